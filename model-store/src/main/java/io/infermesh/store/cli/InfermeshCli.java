package io.infermesh.store.cli;

import io.infermesh.store.ModelStoreException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code infermesh} command line. Subcommands are grouped by noun ({@code cid}, {@code model}, {@code store},
 * {@code tag}, {@code key}); gateway commands ({@code login}, {@code model push/pull}, {@code infer}) join the same
 * tree when the gateway exists.
 *
 * <p>Exit codes: 0 success, 1 a store or input error (message on stderr), 2 a usage error.
 */
@Command(
        name = "infermesh",
        mixinStandardHelpOptions = true,
        versionProvider = InfermeshCli.Version.class,
        description = "Content-addressed model store and serverless inference: command-line tool.",
        subcommands = {
            CidCommand.class,
            ModelCommand.class,
            StoreCommand.class,
            TagCommand.class,
            KeyCommand.class,
            CommandLine.HelpCommand.class
        })
public final class InfermeshCli {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (what tests call). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new InfermeshCli());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ModelStoreException mse) {
                commandLine.getErr().println("error [" + mse.code() + "]: " + mse.getMessage());
                return 1;
            }
            if (e instanceof IllegalArgumentException
                    || e instanceof java.io.IOException
                    || e instanceof java.io.UncheckedIOException) {
                commandLine.getErr().println("error: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cli.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = InfermeshCli.class.getPackage().getImplementationVersion();
            return new String[] {"infermesh " + (v == null ? "dev" : v)};
        }
    }
}
