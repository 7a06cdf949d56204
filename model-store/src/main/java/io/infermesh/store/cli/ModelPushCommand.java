package io.infermesh.store.cli;

import io.infermesh.store.ModelRef;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.cli.gateway.BlobUpload;
import io.infermesh.store.cli.gateway.GatewayClient;
import io.infermesh.store.cli.gateway.PublishedTag;
import io.infermesh.store.cli.gateway.TagManifest;
import io.infermesh.store.cli.gateway.UploadPlan;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ManifestSignature;
import io.infermesh.store.manifest.ModelPacker;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.web3j.crypto.ECKeyPair;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "push",
        description = {
            "Publish a model folder through the gateway: pack DIR (as `model pack`), upload only the blobs the store",
            "lacks (streamed from the files), sign the manifest CID and point ORG/MODEL:TAG at it. Pushing an",
            "unchanged folder to the same tag again uploads nothing and leaves the tag as it is. Only the owner",
            "publishes: the login (or INFERMESH_API_KEY) must be the account of --key, checked before any upload."
        })
final class ModelPushCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR")
    Path dir;

    @Option(names = "--name", required = true, paramLabel = "ORG/MODEL:TAG", description = "where to publish")
    String name;

    @Option(names = "--key", required = true, paramLabel = "KEYFILE", description = "key file of the owner")
    Path keyFile;

    @Mixin
    ModelCommand.PackOptions options;

    @Mixin
    GatewayOptions gateway;

    @Override
    public Integer call() throws Exception {
        ModelRef ref = ModelRef.parse(name);
        ECKeyPair key = KeyFiles.read(keyFile);
        Manifest packed = ModelPacker.pack(dir, options.toOptions(KeyFiles.address(key)));
        PrintWriter out = gateway.out();
        PrintWriter err = gateway.err();
        try (GatewayClient client = gateway.authenticated()) {
            EthAddress account = client.account().address();
            if (!account.equals(packed.owner())) {
                err.println("error: you are logged in as " + account + " but --key is the key of " + packed.owner()
                        + "; only the owner publishes (the gateway refuses others with not_manifest_owner): run"
                        + " `infermesh login --key " + keyFile + "` first (nothing was uploaded)");
                err.flush();
                return ExitCodes.NOT_AUTHORIZED;
            }
            Optional<TagManifest> current = client.tag(ref);
            Manifest manifest =
                    current.map(c -> sameContentAs(packed, c.manifest())).orElse(packed);
            byte[] manifestBytes = manifest.toCanonicalJson();
            Cid manifestCid = manifest.cid();

            List<Cid> all = UploadPlan.blobsOf(manifest).stream()
                    .map(UploadPlan.Blob::cid)
                    .toList();
            UploadPlan plan = UploadPlan.of(manifest, client.missingBlobs(all));
            int uploaded = 0;
            long uploadedBytes = 0;
            for (UploadPlan.Blob blob : plan.upload()) {
                BlobUpload result = blob.file().isPresent()
                        ? client.putBlob(
                                blob.cid(), dir.resolve(blob.file().get().path()))
                        : client.putBlob(blob.cid(), manifestBytes);
                if (!result.alreadyStored()) {
                    uploaded++;
                    uploadedBytes += blob.sizeBytes();
                }
                err.printf(
                        "%s %s  %d  %s%n",
                        result.alreadyStored() ? "stored  " : "uploaded",
                        blob.cid(),
                        blob.sizeBytes(),
                        blob.file().map(f -> f.path()).orElse("(manifest)"));
                err.flush();
            }
            int total = plan.upload().size() + plan.skip().size();
            long totalBytes = plan.uploadBytes() + plan.skipBytes();

            out.println("manifest  " + manifestCid);
            if (current.isPresent() && current.get().manifestCid().equals(manifestCid)) {
                out.println("tag       " + ref + " -> " + manifestCid + " (unchanged)");
            } else {
                PublishedTag tag = client.putTag(ref, manifestCid, ManifestSignature.sign(manifestCid, key));
                out.println("tag       " + tag.ref() + " -> " + tag.manifestCid());
            }
            out.printf("uploaded  %d blobs, %d bytes%n", uploaded, uploadedBytes);
            out.printf("skipped   %d blobs, %d bytes (already stored)%n", total - uploaded, totalBytes - uploadedBytes);
            out.flush();
        }
        return ExitCodes.OK;
    }

    /**
     * {@code existing} if {@code packed} differs from it only in its creation time (so an unchanged folder keeps its
     * manifest, CID and tag), else {@code packed}.
     */
    static Manifest sameContentAs(Manifest packed, Manifest existing) {
        Manifest candidate = new Manifest(
                packed.framework(),
                packed.task(),
                packed.files(),
                packed.inputs(),
                packed.outputs(),
                packed.pricePerRequest(),
                packed.license(),
                packed.owner(),
                existing.createdAt());
        return Arrays.equals(candidate.toCanonicalJson(), existing.toCanonicalJson()) ? existing : packed;
    }
}
