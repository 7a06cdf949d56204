package io.infermesh.store.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.web3j.crypto.Keys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
        name = "key",
        description = "Ethereum keys that sign manifests.",
        subcommands = {KeyCommand.New.class, KeyCommand.Address.class})
final class KeyCommand {
    @Command(name = "new", description = "Create a new key file (mode 600) and print its address.")
    static final class New implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Override
        public Integer call() throws Exception {
            var key = Keys.createEcKeyPair();
            KeyFiles.write(file, key);
            System.out.println(KeyFiles.address(key));
            return 0;
        }
    }

    @Command(name = "address", description = "Print the address of a key file.")
    static final class Address implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Override
        public Integer call() throws Exception {
            System.out.println(KeyFiles.address(KeyFiles.read(file)));
            return 0;
        }
    }
}
