package io.infermesh.functions.models;

import static io.infermesh.functions.testing.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.functions.TestKeys;
import io.infermesh.functions.api.ProblemException;
import io.infermesh.functions.testing.S3Server;
import io.infermesh.functions.testing.StoredModels;
import io.infermesh.store.BlobStore;
import io.infermesh.store.ModelRef;
import io.infermesh.store.TagStore;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.s3.S3BlobStore;
import io.infermesh.store.s3.S3Config;
import io.infermesh.store.s3.S3TagStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Tags and manifests as the gateway resolves them, on a real S3 server. */
class ModelCatalogIT {
    @RegisterExtension
    static final S3Server s3 = S3Server.forClass("catalog");

    static final Duration TAG_TTL = Duration.ofSeconds(2);

    final AtomicLong nanos = new AtomicLong(5_000_000_000L);
    /** The catalog's refresher: refreshes wait here until a test runs them. */
    final Queue<Runnable> refreshes = new ArrayDeque<>();

    final EthAddress owner = TestKeys.address(TestKeys.random());
    BlobStore blobs;
    TagStore tags;
    ModelCatalog catalog;
    StoredModels.Model v1;
    StoredModels.Model v2;

    @BeforeEach
    void fresh() {
        S3Config config = s3.freshBucket();
        blobs = S3BlobStore.connect(config);
        tags = S3TagStore.connect(config);
        catalog = new ModelCatalog(blobs, tags, TAG_TTL, nanos::get, refreshes::add);
        v1 = StoredModels.store(blobs, StoredModels.model("weights v1", owner, "1000"));
        v2 = StoredModels.store(blobs, StoredModels.model("weights v2", owner, "2000"));
    }

    @Test
    void aTagResolvesToItsParsedManifest() {
        ModelRef ref = ModelRef.parse("acme/minilm");
        tags.setTag(ref, v1.cid());
        ModelCatalog.Resolved r = catalog.resolve(ref);
        assertEquals(ref, r.ref());
        assertEquals(v1.cid(), r.manifestCid());
        assertEquals(v1.manifest(), r.manifest());
        refused(404, "model_not_found", () -> catalog.resolve(ModelRef.parse("acme/nothing:v9")));
    }

    @Test
    void aTagMovedByAnotherGatewayShowsAfterTheTtlAndOneMovedHereAtOnce() {
        ModelRef ref = ModelRef.parse("acme/minilm:prod");
        tags.setTag(ref, v1.cid());
        assertEquals(v1.cid(), catalog.resolve(ref).manifestCid());

        tags.setTag(ref, v2.cid()); // another gateway moves the tag in this store
        nanos.addAndGet(TAG_TTL.toNanos() - 1);
        assertEquals(v1.cid(), catalog.resolve(ref).manifestCid(), "within the ttl the cached resolution stands");
        nanos.addAndGet(1);
        assertEquals(v2.cid(), catalog.resolve(ref).manifestCid(), "after the ttl the store is read again");

        tags.setTag(ref, v1.cid());
        catalog.moved(ref, v1.cid()); // a publish through this gateway
        assertEquals(v1.cid(), catalog.resolve(ref).manifestCid());
    }

    @Test
    void pastHalfItsTtlATagIsReadAgainBesideTheCallOnceAtATime() {
        ModelRef ref = ModelRef.parse("acme/minilm:prod");
        tags.setTag(ref, v1.cid());
        assertEquals(v1.cid(), catalog.resolve(ref).manifestCid());
        assertEquals(0, refreshes.size(), "a fresh resolution needs no refresh");

        tags.setTag(ref, v2.cid()); // another gateway moves the tag
        nanos.addAndGet(TAG_TTL.toNanos() / 2);
        assertEquals(v1.cid(), catalog.resolve(ref).manifestCid(), "the call does not wait for the store");
        assertEquals(v1.cid(), catalog.resolve(ref).manifestCid());
        assertEquals(1, refreshes.size(), "one refresh per tag at a time");

        refreshes.remove().run();
        assertEquals(v2.cid(), catalog.resolve(ref).manifestCid(), "the refresh's answer is used before the ttl");
        nanos.addAndGet(TAG_TTL.toNanos() - 1); // the first resolution's ttl is long past; the refreshed one's is not
        tags.setTag(ref, v1.cid());
        assertEquals(v2.cid(), catalog.resolve(ref).manifestCid());
        refreshes.remove().run();
        assertEquals(v1.cid(), catalog.resolve(ref).manifestCid());
    }

    @Test
    void aRefreshDoesNotUndoATagMovedHereWhileItRan() {
        ModelRef ref = ModelRef.parse("acme/minilm:prod");
        tags.setTag(ref, v1.cid());
        catalog.resolve(ref);
        nanos.addAndGet(TAG_TTL.toNanos() / 2);
        catalog.resolve(ref);
        Runnable refresh = refreshes.remove();

        catalog.moved(ref, v2.cid()); // published here after the refresh read v1 (the store write is not done yet)
        refresh.run();
        assertEquals(v2.cid(), catalog.resolve(ref).manifestCid());
    }

    @Test
    void aVersionIsAnyManifestTheModelsTagsEverPointedAtAndNothingElse() {
        ModelRef ref = ModelRef.parse("acme/minilm");
        tags.setTag(ref, v1.cid());
        tags.setTag(ref, v2.cid());
        ModelCatalog.Resolved old = catalog.resolveVersion("acme", "minilm", v1.cid());
        assertEquals(v1.cid(), old.manifestCid());
        assertEquals(v1.manifest(), old.manifest());
        assertEquals(ref, old.ref());

        StoredModels.Model stranger = StoredModels.store(blobs, StoredModels.model("someone else's", owner, "1"));
        refused(404, "model_not_found", () -> catalog.resolveVersion("acme", "minilm", stranger.cid()));
        refused(404, "model_not_found", () -> catalog.resolveVersion("acme", "unknown", v1.cid()));
    }

    @Test
    void aBlobThatIsNotAStoredManifestIsRefused() {
        StoredModels.Model unstored = StoredModels.model("never uploaded", owner, "1");
        ProblemException missing = refused(422, "missing_blobs", () -> catalog.manifest(unstored.cid()));
        assertEquals(Map.of("missing", List.of(unstored.cid().toString())), missing.extensions());

        Cid notJson =
                blobs.put("not a manifest".getBytes(StandardCharsets.UTF_8)).cid();
        refused(422, "invalid_manifest", () -> catalog.manifest(notJson));
        assertEquals(v1.manifest(), catalog.manifest(v1.cid()));
    }

    @Test
    void theListingShowsLatestPerModelFilteredByQueryOwnerAndTask() {
        tags.setTag(ModelRef.parse("acme/minilm:latest"), v1.cid());
        tags.setTag(ModelRef.parse("acme/minilm:v2"), v2.cid());
        tags.setTag(ModelRef.parse("beta/bge:v1"), v2.cid());
        EthAddress other = TestKeys.address(TestKeys.random());
        StoredModels.Model theirs = StoredModels.store(blobs, StoredModels.model("theirs", other, "5"));
        tags.setTag(ModelRef.parse("gamma/theirs"), theirs.cid());
        Cid junk = blobs.put("junk".getBytes(StandardCharsets.UTF_8)).cid();
        tags.setTag(ModelRef.parse("delta/broken"), junk);

        List<ModelCatalog.Listing> all = listAll(Optional.empty(), Optional.empty(), Optional.empty());
        assertEquals(
                List.of("acme/minilm", "beta/bge", "gamma/theirs"),
                all.stream().map(ModelCatalog.Listing::name).toList(),
                "a tag on a blob that is not a manifest is not listed");
        assertEquals("latest", all.getFirst().tag().ref().tag(), "latest wins over a newer tag");
        assertEquals(v1.cid(), all.getFirst().tag().manifest());

        assertEquals(
                List.of("beta/bge"),
                listAll(Optional.of("BGE"), Optional.empty(), Optional.empty()).stream()
                        .map(ModelCatalog.Listing::name)
                        .toList());
        assertEquals(
                List.of("gamma/theirs"),
                listAll(Optional.empty(), Optional.of(other), Optional.empty()).stream()
                        .map(ModelCatalog.Listing::name)
                        .toList());
        assertEquals(List.of(), listAll(Optional.empty(), Optional.empty(), Optional.of("image-classification")));
    }

    @Test
    void pagesFollowNamesAfterTheCursorAndSayExactlyWhetherMoreMatch() {
        for (String name : List.of("acme/c", "acme/a", "acme/b", "acme/d")) {
            tags.setTag(ModelRef.parse(name + ":latest"), v1.cid());
        }
        Cid junk = blobs.put("junk".getBytes(StandardCharsets.UTF_8)).cid();
        tags.setTag(ModelRef.parse("acme/bb"), junk);
        Optional<String> none = Optional.empty();

        ModelCatalog.Page first = catalog.list(none, Optional.empty(), none, none, 2);
        assertEquals(List.of("acme/a", "acme/b"), names(first));
        assertTrue(first.hasMore());
        String lastId = first.listings().getLast().tag().ref().toString();
        ModelCatalog.Page second = catalog.list(none, Optional.empty(), none, Optional.of(lastId), 2);
        assertEquals(List.of("acme/c", "acme/d"), names(second), "the unreadable acme/bb is skipped, not counted");
        assertFalse(second.hasMore(), "nothing matches after acme/d");
        assertEquals(
                List.of("acme/c", "acme/d"),
                names(catalog.list(none, Optional.empty(), none, Optional.of("acme/bb"), 10)),
                "a name works as a cursor too, listed or not");

        ModelCatalog.Page exact = catalog.list(Optional.of("acme/"), Optional.empty(), none, none, 4);
        assertEquals(4, exact.listings().size());
        assertFalse(exact.hasMore(), "a page that ends on the last match has no more");
        assertThrows(IllegalArgumentException.class, () -> catalog.list(none, Optional.empty(), none, none, 0));
    }

    @Test
    void theListingIsReusedForTheTtlAndDroppedByAMoveThroughThisGateway() {
        tags.setTag(ModelRef.parse("acme/a:latest"), v1.cid());
        Optional<String> none = Optional.empty();
        assertEquals(List.of("acme/a"), names(catalog.list(none, Optional.empty(), none, none, 10)));

        tags.setTag(ModelRef.parse("acme/b:latest"), v1.cid()); // through another gateway
        nanos.addAndGet(TAG_TTL.toNanos() - 1);
        assertEquals(
                List.of("acme/a"),
                names(catalog.list(none, Optional.empty(), none, none, 10)),
                "within the ttl the last listing is used");
        nanos.addAndGet(1);
        assertEquals(List.of("acme/a", "acme/b"), names(catalog.list(none, Optional.empty(), none, none, 10)));

        tags.setTag(ModelRef.parse("acme/c:latest"), v2.cid()); // through this gateway: the publisher calls moved()
        catalog.moved(ModelRef.parse("acme/c:latest"), v2.cid());
        assertEquals(
                List.of("acme/a", "acme/b", "acme/c"),
                names(catalog.list(none, Optional.empty(), none, none, 10)),
                "a publish through this gateway is listed at once");
    }

    /** Every match, in one page. */
    private List<ModelCatalog.Listing> listAll(
            Optional<String> query, Optional<EthAddress> owner, Optional<String> task) {
        return catalog.list(query, owner, task, Optional.empty(), Integer.MAX_VALUE)
                .listings();
    }

    private static List<String> names(ModelCatalog.Page page) {
        return page.listings().stream().map(ModelCatalog.Listing::name).toList();
    }

    @Test
    void aMalformedReferenceIsModelNotFound() {
        refused(404, "model_not_found", () -> ModelCatalog.parseRef("no-slash"));
        assertEquals(ModelRef.parse("acme/minilm:latest"), ModelCatalog.parseRef("acme/minilm"));
    }
}
