package io.infermesh.store.cli;

import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code infermesh} command line. Subcommands are grouped by noun: local and operator tools ({@code cid},
 * {@code model pack/sign/verify/publish}, {@code store}, {@code tag}, {@code key}) and gateway clients ({@code login},
 * {@code model push/pull}, {@code models}, {@code infer}, {@code pool}, {@code account}, {@code keys},
 * {@code faucet}).
 *
 * <p>Exit codes are in {@link ExitCodes}; {@link ErrorHandler} maps failures to them. Tests run commands in-process
 * with {@link #commandLine(Map)}, passing the environment the commands should see ({@code INFERMESH_GATEWAY},
 * {@code INFERMESH_API_KEY}, {@code INFERMESH_CONFIG_DIR}, ...) and capturing output with {@code setOut}/
 * {@code setErr}.
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
            LoginCommand.class,
            ModelsCommand.class,
            InferCommand.class,
            PoolCommand.class,
            AccountCommand.class,
            KeysCommand.class,
            FaucetCommand.class,
            CommandLine.HelpCommand.class
        })
public final class InfermeshCli {
    private final Map<String, String> env;

    /** The CLI in the process environment. */
    public InfermeshCli() {
        this(System.getenv());
    }

    /** The CLI in {@code env} instead of the process environment. */
    public InfermeshCli(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /** The environment the gateway commands read. */
    public Map<String, String> env() {
        return env;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line in the process environment and returns its exit code. */
    public static int run(String... args) {
        return commandLine(System.getenv()).execute(args);
    }

    /** The command line with its error handling, in {@code env}: what tests call. */
    public static CommandLine commandLine(Map<String, String> env) {
        CommandLine cli = new CommandLine(new InfermeshCli(env));
        cli.setExecutionExceptionHandler(new ErrorHandler());
        return cli;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = InfermeshCli.class.getPackage().getImplementationVersion();
            return new String[] {"infermesh " + (v == null ? "dev" : v)};
        }
    }
}
