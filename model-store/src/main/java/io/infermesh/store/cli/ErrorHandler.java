package io.infermesh.store.cli;

import io.infermesh.store.ModelStoreException;
import io.infermesh.store.cli.gateway.GatewayException;
import io.infermesh.store.cli.gateway.GatewayProblemException;
import io.infermesh.store.cli.gateway.GatewayProtocolException;
import io.infermesh.store.cli.gateway.GatewayUnreachableException;
import io.infermesh.store.cli.gateway.MissingApiKeyException;
import io.infermesh.store.cli.gateway.Problem;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * The one place where a failed command becomes a message on standard error and an {@link ExitCodes exit code}.
 * Switches on the exception type and the problem's status and code, never on message text. Anything else is a bug
 * and keeps its stack trace.
 */
final class ErrorHandler implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine commandLine, ParseResult parseResult)
            throws Exception {
        PrintWriter err = commandLine.getErr();
        int code =
                switch (e) {
                    case GatewayException g -> gateway(g, err);
                    case ModelStoreException m -> {
                        err.println("error [" + m.code() + "]: " + m.getMessage());
                        yield ExitCodes.INPUT;
                    }
                    case IllegalArgumentException i -> {
                        err.println("error: " + i.getMessage());
                        yield ExitCodes.INPUT;
                    }
                    case IOException io -> {
                        err.println("error: " + describe(io));
                        yield ExitCodes.INPUT;
                    }
                    case UncheckedIOException io -> {
                        err.println("error: " + describe(io.getCause()));
                        yield ExitCodes.INPUT;
                    }
                    default -> throw e;
                };
        err.flush();
        return code;
    }

    private static int gateway(GatewayException e, PrintWriter err) {
        return switch (e) {
            case GatewayProblemException p -> {
                Problem problem = p.problem();
                err.println("error: " + problem.detail() + " (" + problem.code() + ")");
                problem.missing().forEach(cid -> err.println("  missing: " + cid));
                problem.requestId().ifPresent(id -> err.println("  request id: " + id));
                yield exitCode(problem);
            }
            case MissingApiKeyException m -> {
                err.println("error: " + m.getMessage());
                yield ExitCodes.NOT_AUTHORIZED;
            }
            case GatewayUnreachableException u -> {
                err.println("error: " + u.getMessage());
                yield ExitCodes.UNREACHABLE;
            }
            case GatewayProtocolException p -> {
                err.println("error: " + p.getMessage());
                yield ExitCodes.PROTOCOL;
            }
        };
    }

    /**
     * Messages may quote what a remote peer sent; its control characters (terminal escapes) never reach the terminal.
     */
    private static final class Printable extends java.io.Writer {
        private final PrintWriter target;

        Printable(PrintWriter target) {
            this.target = target;
        }

        @Override
        public void write(char[] buf, int off, int len) {
            char[] copy = new char[len];
            for (int i = 0; i < len; i++) {
                char c = buf[off + i];
                copy[i] = c != '\n' && Character.isISOControl(c) ? ' ' : c;
            }
            target.write(copy);
        }

        @Override
        public void flush() {
            target.flush();
        }

        @Override
        public void close() {
            target.flush();
        }
    }

    /** The exit code of a gateway problem. */
    static int exitCode(Problem problem) {
        int status = problem.status();
        if (status == 401 || status == 403) {
            return ExitCodes.NOT_AUTHORIZED;
        }
        if (status == 402 || problem.code().equals("insufficient_balance")) {
            return ExitCodes.INSUFFICIENT_BALANCE;
        }
        if (status == 429 || status >= 500) {
            return ExitCodes.UNAVAILABLE;
        }
        return ExitCodes.REFUSED;
    }

    private static String describe(IOException e) {
        // These carry only the path as their message.
        return switch (e) {
            case NoSuchFileException f -> "no such file or folder: " + f.getFile();
            case AccessDeniedException f -> "permission denied: " + f.getFile();
            case FileAlreadyExistsException f -> "already exists: " + f.getFile();
            case NotDirectoryException f -> "not a folder: " + f.getFile();
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
    }
}
