package io.infermesh.store.cli;

import io.infermesh.store.ModelRef;
import io.infermesh.store.ModelStoreException;
import io.infermesh.store.cli.gateway.GatewayClient;
import io.infermesh.store.cli.gateway.ModelCheckout;
import io.infermesh.store.cli.gateway.TagManifest;
import io.infermesh.store.manifest.Manifest;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "pull",
        description = {
            "Download a published model through the gateway into DIR: every file is checked against its CID while it",
            "streams and appears under its name only once it verified; files already there with the right content are",
            "kept. Writes the manifest (canonical JSON) as DIR/" + ModelPullCommand.MANIFEST_NAME + "."
        })
final class ModelPullCommand implements Callable<Integer> {
    static final String MANIFEST_NAME = "manifest.json";

    @Parameters(index = "0", paramLabel = "ORG/MODEL[:TAG]", description = "the model (tag default: latest)")
    String name;

    @Option(
            names = {"-o", "--out"},
            required = true,
            paramLabel = "DIR",
            description = "folder to write (created if missing)")
    Path out;

    @Option(
            names = "--manifest",
            paramLabel = "FILE",
            description = "write the manifest here instead of DIR/" + MANIFEST_NAME)
    Path manifestFile;

    @Mixin
    GatewayOptions gateway;

    @Override
    public Integer call() throws Exception {
        ModelRef ref = ModelRef.parse(name);
        PrintWriter stdout = gateway.out();
        PrintWriter err = gateway.err();
        try (GatewayClient client = gateway.authenticated()) {
            TagManifest tag = client.tag(ref)
                    .orElseThrow(() -> new ModelStoreException(
                            ModelStoreException.ErrorCode.NOT_FOUND,
                            "the gateway at " + client.endpoint() + " has no model " + ref));
            Manifest manifest = tag.manifest();
            if (manifestFile == null
                    && manifest.files().stream().anyMatch(f -> f.path().equals(MANIFEST_NAME))) {
                throw new IllegalArgumentException(
                        ref + " has a file named " + MANIFEST_NAME + "; write the manifest elsewhere with --manifest");
            }
            ModelCheckout checkout = ModelCheckout.into(out);
            ModelCheckout.Result result = checkout.write(manifest, client::openBlob, line -> {
                err.println(line);
                err.flush();
            });
            byte[] canonical = manifest.toCanonicalJson();
            Path written;
            if (manifestFile == null) {
                written = checkout.writeFile(MANIFEST_NAME, canonical);
            } else {
                Files.write(manifestFile, canonical);
                written = manifestFile;
            }
            stdout.println("manifest  " + tag.manifestCid());
            stdout.printf(
                    "files     %d downloaded (%d bytes), %d already present (%d bytes)%n",
                    result.downloaded(), result.downloadedBytes(), result.present(), result.presentBytes());
            stdout.println("folder    " + checkout.root());
            stdout.println("saved     " + written);
            stdout.flush();
        }
        return ExitCodes.OK;
    }
}
