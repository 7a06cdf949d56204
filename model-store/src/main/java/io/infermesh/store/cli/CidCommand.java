package io.infermesh.store.cli;

import io.infermesh.store.ContentSummary;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "cid",
        description = {
            "Print the IPFS CID of each file without storing anything.",
            "Same result as `ipfs add --only-hash --cid-version=1 FILE` (256 KiB chunks, raw leaves, balanced DAG)."
        })
final class CidCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "files to hash")
    List<Path> files;

    @Option(
            names = "--cid-version",
            defaultValue = "1",
            description = "0 for Qm... CIDs with dag-pb leaves (like plain `ipfs add`), 1 (default) for bafy...")
    int cidVersion;

    @Option(names = "--chunk-size", defaultValue = "262144", description = "fixed chunk size in bytes")
    int chunkSize;

    @Option(names = "--max-links", defaultValue = "174", description = "most links per DAG node")
    int maxLinks;

    @Option(
            names = {"-v", "--verbose"},
            description = "also print size and SHA-256")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        ImportOptions options = new ImportOptions(cidVersion, cidVersion == 1, chunkSize, maxLinks);
        for (Path file : files) {
            ContentSummary s = ContentDigester.digest(file, options);
            if (verbose) {
                System.out.printf(
                        "%s  %d  sha256:%s  %s%n",
                        s.cid(), s.sizeBytes(), s.sha256().hex(), file);
            } else {
                System.out.printf("%s  %s%n", s.cid(), file);
            }
        }
        return 0;
    }
}
