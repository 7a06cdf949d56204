package io.infermesh.store.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.web3j.crypto.Keys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "key",
        description = "Ethereum keys that sign manifests.",
        subcommands = {KeyCommand.New.class, KeyCommand.Address.class})
final class KeyCommand {
    @Command(name = "new", description = "Create a new key file (mode 600) and print its address.")
    static final class New implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            var key = Keys.createEcKeyPair();
            KeyFiles.write(file, key);
            spec.commandLine().getOut().println(KeyFiles.address(key));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "address", description = "Print the address of a key file.")
    static final class Address implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            spec.commandLine().getOut().println(KeyFiles.address(KeyFiles.read(file)));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
