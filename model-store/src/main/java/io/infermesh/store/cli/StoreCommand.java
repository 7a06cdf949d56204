package io.infermesh.store.cli;

import io.infermesh.store.BlobStore;
import io.infermesh.store.ContentSummary;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import io.infermesh.store.unixfs.VerifyingInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "store",
        description = "Read and write blobs in an S3-backed store directly (operator tool; users publish through the"
                + " gateway).",
        subcommands = {StoreCommand.Put.class, StoreCommand.Get.class, StoreCommand.Missing.class, StoreCommand.Gc.class
        })
final class StoreCommand {
    @Command(name = "put", description = "Hash each file, then upload it under its CID (verified again on the way in).")
    static final class Put implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Parameters(arity = "1..*", paramLabel = "FILE")
        List<Path> files;

        @Override
        public Integer call() throws Exception {
            BlobStore blobs = store.blobs();
            for (Path file : files) {
                Cid cid = ContentDigester.digest(file, ImportOptions.defaults()).cid();
                try (InputStream in = Files.newInputStream(file)) {
                    ContentSummary s = blobs.put(cid, in);
                    System.out.printf("%s  %d  %s%n", s.cid(), s.sizeBytes(), file);
                }
            }
            return 0;
        }
    }

    @Command(name = "get", description = "Download a blob, checking every byte against its CID.")
    static final class Get implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Parameters(index = "0", paramLabel = "CID")
        String cid;

        @Option(
                names = {"-o", "--output"},
                description = "file to write (default: standard output)")
        Path output;

        @Override
        public Integer call() throws Exception {
            Cid parsed = Cid.parse(cid);
            if (output == null) {
                try (InputStream in = new VerifyingInputStream(store.blobs().get(parsed), parsed)) {
                    in.transferTo(System.out);
                }
                System.out.flush();
                return 0;
            }
            // Into a temporary file next to the output, moved into place only once every byte verified: a blob
            // that misses its CID leaves nothing under the output's name.
            Path absolute = output.toAbsolutePath();
            // (Not createTempFile: that one is mode 600, and the output should get the umask's mode.)
            Path temp = Files.createFile(absolute.resolveSibling(".infermesh-" + UUID.randomUUID() + ".part"));
            try {
                try (InputStream in = new VerifyingInputStream(store.blobs().get(parsed), parsed);
                        OutputStream out = Files.newOutputStream(temp)) {
                    in.transferTo(out);
                }
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temp);
            }
            return 0;
        }
    }

    @Command(name = "missing", description = "Print which of the given CIDs the store does not hold.")
    static final class Missing implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Parameters(arity = "1..*", paramLabel = "CID")
        List<String> cids;

        @Override
        public Integer call() {
            store.blobs().missing(cids.stream().map(Cid::parse).toList()).forEach(System.out::println);
            return 0;
        }
    }

    @Command(name = "gc", description = "Abort uploads that were never committed.")
    static final class Gc implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Option(names = "--older-than", defaultValue = "PT1H", description = "ISO-8601 duration (default PT1H)")
        Duration olderThan;

        @Override
        public Integer call() {
            System.out.println("aborted " + store.blobs().deleteStaleStaging(olderThan) + " stale uploads");
            return 0;
        }
    }
}
