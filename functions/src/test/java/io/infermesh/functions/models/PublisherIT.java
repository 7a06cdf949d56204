package io.infermesh.functions.models;

import static io.infermesh.functions.testing.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.functions.TestKeys;
import io.infermesh.functions.api.ProblemException;
import io.infermesh.functions.redis.RedisNamespaces;
import io.infermesh.functions.redis.RedisServer;
import io.infermesh.functions.testing.S3Server;
import io.infermesh.functions.testing.StoredModels;
import io.infermesh.store.BlobStore;
import io.infermesh.store.ModelRef;
import io.infermesh.store.TagStore;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.ManifestSignature;
import io.infermesh.store.s3.S3BlobStore;
import io.infermesh.store.s3.S3Config;
import io.infermesh.store.s3.S3TagStore;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.web3j.crypto.ECKeyPair;

/** Uploads and publishes on a real S3 server, with org ownership in a real Redis. */
class PublisherIT {
    @RegisterExtension
    static final S3Server s3 = S3Server.forClass("publisher");

    @RegisterExtension
    static final RedisServer redis = RedisServer.forClass("publisher");

    static final long MAX_BLOB = 64 * 1024;

    final ECKeyPair ownerKey = TestKeys.random();
    BlobStore blobs;
    TagStore tags;
    ModelCatalog catalog;
    Publisher publisher;

    @BeforeEach
    void fresh() {
        redis.flush();
        S3Config config = s3.freshBucket();
        blobs = S3BlobStore.connect(config);
        tags = S3TagStore.connect(config);
        catalog = new ModelCatalog(blobs, tags, java.time.Duration.ofMinutes(10), System::nanoTime, Runnable::run);
        publisher = new Publisher(blobs, tags, new RedisNamespaces(redis.state()), catalog, MAX_BLOB);
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static Cid cidOf(byte[] b) {
        return ContentDigester.digest(b, ImportOptions.defaults()).cid();
    }

    @Test
    void anUploadIsStoredOnceUnderItsCidAndARepeatStoresNothing() throws Exception {
        byte[] data = random(40_000);
        Cid cid = cidOf(data);
        Publisher.Upload first = publisher.upload(cid, new ByteArrayInputStream(data), data.length);
        assertTrue(first.created());
        assertEquals(40_000, first.sizeBytes());
        assertEquals(64, first.sha256Hex().orElseThrow().length());
        try (InputStream in = blobs.get(cid)) {
            assertArrayEquals(data, in.readAllBytes());
        }
        Publisher.Upload again = publisher.upload(cid, new ByteArrayInputStream(data), -1);
        assertFalse(again.created());
        assertEquals(40_000, again.sizeBytes());
        assertEquals(Optional.empty(), again.sha256Hex());
        assertEquals(List.of(), publisher.missing(List.of(cid)));
    }

    @Test
    void bytesThatDoNotHashToTheCidAreRefusedAndNothingIsStored() {
        byte[] data = random(10_000);
        Cid cid = cidOf(data);
        byte[] corrupted = data.clone();
        corrupted[0] ^= 1;
        refused(422, "cid_mismatch", () -> publisher.upload(cid, new ByteArrayInputStream(corrupted), -1));
        assertEquals(List.of(cid), publisher.missing(List.of(cid)));
    }

    @Test
    void aBlobOverTheLimitIsRefusedWhetherDeclaredOrStreamed() {
        byte[] data = random((int) MAX_BLOB + 1);
        Cid cid = cidOf(data);
        refused(413, "payload_too_large", () -> publisher.upload(cid, new ByteArrayInputStream(data), data.length));
        ProblemException streamed =
                refused(413, "payload_too_large", () -> publisher.upload(cid, new ByteArrayInputStream(data), -1));
        assertTrue(streamed.getMessage().contains(Long.toString(MAX_BLOB)), streamed.getMessage());
        assertEquals(List.of(cid), publisher.missing(List.of(cid)), "nothing is kept of a refused upload");
    }

    @Test
    void aSignedManifestWithAllItsFilesMovesTheTagAndClaimsTheOrg() {
        StoredModels.Model m =
                StoredModels.store(blobs, StoredModels.model("weights", TestKeys.address(ownerKey), "1000"));
        ModelRef ref = ModelRef.parse("acme/minilm:v1");
        TagStore.TagEntry entry = publisher.publish(
                ref, m.cid(), ManifestSignature.sign(m.cid(), ownerKey).toHex(), TestKeys.address(ownerKey));
        assertEquals(m.cid(), entry.manifest());
        assertEquals(Optional.of(m.cid()), tags.resolve(ref));
        assertEquals(m.cid(), catalog.resolve(ref).manifestCid(), "this gateway serves the new tag at once");
        assertEquals(Optional.of(TestKeys.address(ownerKey)), new RedisNamespaces(redis.state()).owner("acme"));
    }

    @Test
    void aManifestWhoseFilesAreMissingIsRefusedListingThem() {
        StoredModels.Model m = StoredModels.model("weights never uploaded", TestKeys.address(ownerKey), "1000");
        blobs.put(m.manifestBytes());
        ProblemException e = refused(
                422,
                "missing_blobs",
                () -> publisher.publish(
                        ModelRef.parse("acme/minilm"),
                        m.cid(),
                        ManifestSignature.sign(m.cid(), ownerKey).toHex(),
                        TestKeys.address(ownerKey)));
        assertEquals(
                Map.of("missing", List.of(m.manifest().files().getFirst().cid().toString())), e.extensions());
        assertEquals(
                Optional.empty(), new RedisNamespaces(redis.state()).owner("acme"), "a refused publish claims nothing");
    }

    @Test
    void aSignatureByAnyoneButTheOwnerIsRefused() {
        StoredModels.Model m =
                StoredModels.store(blobs, StoredModels.model("weights", TestKeys.address(ownerKey), "1000"));
        refused(
                422,
                "invalid_signature",
                () -> publisher.publish(
                        ModelRef.parse("acme/minilm"),
                        m.cid(),
                        ManifestSignature.sign(m.cid(), TestKeys.random()).toHex(),
                        TestKeys.address(ownerKey)));
        refused(
                422,
                "invalid_signature",
                () -> publisher.publish(ModelRef.parse("acme/minilm"), m.cid(), "0x1234", TestKeys.address(ownerKey)));
        assertEquals(Optional.empty(), tags.resolve(ModelRef.parse("acme/minilm")));
    }

    @Test
    void anOwnersSignatureMovesNoTagForAnyoneElse() {
        EthAddress owner = TestKeys.address(ownerKey);
        StoredModels.Model v1 = StoredModels.store(blobs, StoredModels.model("v1", owner, "1000"));
        StoredModels.Model v2 = StoredModels.store(blobs, StoredModels.model("v2", owner, "1000"));
        StoredModels.Model other = StoredModels.store(blobs, StoredModels.model("other model", owner, "5"));
        String v1Signature = ManifestSignature.sign(v1.cid(), ownerKey).toHex();
        String otherSignature = ManifestSignature.sign(other.cid(), ownerKey).toHex();
        ModelRef latest = ModelRef.parse("acme/minilm:latest");
        publisher.publish(latest, v1.cid(), v1Signature, owner);
        publisher.publish(
                latest, v2.cid(), ManifestSignature.sign(v2.cid(), ownerKey).toHex(), owner);

        // Signatures are public (the tag history and manifests can be read back); replaying them is refused.
        EthAddress intruder = TestKeys.address(TestKeys.random());
        ProblemException rollback =
                refused(403, "not_manifest_owner", () -> publisher.publish(latest, v1.cid(), v1Signature, intruder));
        assertTrue(rollback.getMessage().contains(owner.toString()), rollback.getMessage());
        refused(403, "not_manifest_owner", () -> publisher.publish(latest, other.cid(), otherSignature, intruder));
        refused(
                403,
                "not_manifest_owner",
                () -> publisher.publish(ModelRef.parse("fresh-org/minilm"), v1.cid(), v1Signature, intruder));
        assertEquals(Optional.of(v2.cid()), tags.resolve(latest), "the tag did not move");
        assertEquals(
                Optional.empty(),
                new RedisNamespaces(redis.state()).owner("fresh-org"),
                "nobody claimed an org in the owner's name");

        // The owner may move it back.
        publisher.publish(latest, v1.cid(), v1Signature, owner);
        assertEquals(Optional.of(v1.cid()), tags.resolve(latest));
    }

    @Test
    void anOrgBelongsToItsFirstPublisher() {
        StoredModels.Model mine =
                StoredModels.store(blobs, StoredModels.model("mine", TestKeys.address(ownerKey), "1000"));
        publisher.publish(
                ModelRef.parse("acme/minilm"),
                mine.cid(),
                ManifestSignature.sign(mine.cid(), ownerKey).toHex(),
                TestKeys.address(ownerKey));
        ECKeyPair intruderKey = TestKeys.random();
        StoredModels.Model theirs =
                StoredModels.store(blobs, StoredModels.model("theirs", TestKeys.address(intruderKey), "1"));
        refused(
                403,
                "namespace_owned",
                () -> publisher.publish(
                        ModelRef.parse("acme/minilm"),
                        theirs.cid(),
                        ManifestSignature.sign(theirs.cid(), intruderKey).toHex(),
                        TestKeys.address(intruderKey)));
        assertEquals(Optional.of(mine.cid()), tags.resolve(ModelRef.parse("acme/minilm")), "the tag did not move");
    }

    @Test
    void aBlobThatIsNotAManifestCannotBePublished() {
        byte[] data = random(100);
        Cid cid = blobs.put(data).cid();
        refused(
                422,
                "invalid_manifest",
                () -> publisher.publish(
                        ModelRef.parse("acme/minilm"),
                        cid,
                        ManifestSignature.sign(cid, ownerKey).toHex(),
                        TestKeys.address(ownerKey)));
    }
}
