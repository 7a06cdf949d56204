package io.infermesh.functions.models;

import io.infermesh.functions.api.ProblemException;
import io.infermesh.store.BlobStore;
import io.infermesh.store.ModelRef;
import io.infermesh.store.ModelStoreException;
import io.infermesh.store.TagStore;
import io.infermesh.store.TagStore.TagEntry;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.InvalidManifestException;
import io.infermesh.store.manifest.Manifest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Published models as the gateway sees them: tags resolved through the {@link TagStore}, manifests read from the
 * {@link BlobStore} and parsed once.
 *
 * <p>Caching. A manifest is immutable (its CID names its bytes), so it is cached without expiry in a bounded LRU.
 * A tag moves, so its resolution is cached for {@code tagTtl} only: a publish through this gateway is visible at once,
 * one through another gateway within {@code tagTtl}. That bound is the price of not listing S3 on every call. The
 * listing behind {@link #list} (every tag's current value) is kept for {@code tagTtl} under the same rule, so clients
 * that poll {@code GET /v1/models} cost the store one listing per ttl per gateway.
 *
 * <p>Refresh ahead. A call that finds its tag's resolution older than half the ttl still uses it, and asks the store
 * again on {@code refresher} (one refresh per tag at a time). Under steady traffic the resolution is renewed before it
 * expires, so no call waits for the store's round trip (at 20 calls/s and a 2 s ttl, one call in 40 used to: a
 * percentile's worth of the gateway's tail). The bound above is unchanged: nothing older than {@code tagTtl} is used;
 * a tag idle past its ttl is read on the calling thread as before, and that is where a store failure is reported.
 *
 * <p>Thread-safe.
 */
public final class ModelCatalog {
    private static final int MANIFEST_CACHE = 1024;

    private final BlobStore blobs;
    private final TagStore tags;
    private final long tagTtlNanos;
    private final LongSupplier nanoTime;
    private final Executor refresher;
    private final Map<String, CachedTag> tagCache = new ConcurrentHashMap<>();
    /** Tags with a refresh on {@link #refresher} now. */
    private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
    /** {@code org/name@cid} → a tag that pointed at it; a tag's history only grows, so this never goes stale. */
    private final Map<String, ModelRef> versions = new ConcurrentHashMap<>();
    /** The last listing of the store, as each model's shown tag (for {@link #list}), reused for {@code tagTtl}. */
    private volatile CachedListing listing;
    /** Moves made through this gateway so far. */
    private final AtomicLong moves = new AtomicLong();

    private final Map<Cid, Manifest> manifests = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Cid, Manifest> eldest) {
            return size() > MANIFEST_CACHE;
        }
    });

    /**
     * @param refresher runs the refresh-ahead reads of tags (each one store round trip); a caller's thread never waits
     *     for it
     */
    public ModelCatalog(BlobStore blobs, TagStore tags, Duration tagTtl, LongSupplier nanoTime, Executor refresher) {
        this.blobs = Objects.requireNonNull(blobs, "blobs");
        this.tags = Objects.requireNonNull(tags, "tags");
        this.tagTtlNanos = tagTtl.toNanos();
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.refresher = Objects.requireNonNull(refresher, "refresher");
    }

    /** A tag resolved to its manifest. */
    public record Resolved(ModelRef ref, Cid manifestCid, Manifest manifest) {
        public Resolved {
            Objects.requireNonNull(ref, "ref");
            Objects.requireNonNull(manifestCid, "manifestCid");
            Objects.requireNonNull(manifest, "manifest");
        }
    }

    /** A model as listed: its current tag and what that tag's manifest says. */
    public record Listing(String name, TagEntry tag, Manifest manifest) {}

    /**
     * Models in name order.
     *
     * @param hasMore whether another model matches after the last of {@code listings}
     */
    public record Page(List<Listing> listings, boolean hasMore) {}

    /** Parses a model reference as a caller wrote it; a malformed one is a 422 naming the expected form. */
    public static ModelRef parseRef(String text) {
        try {
            return ModelRef.parse(text);
        } catch (ModelStoreException e) {
            throw new ProblemException(404, "model_not_found", e.getMessage());
        }
    }

    /** The manifest {@code ref} points at; 404 {@code model_not_found} when the tag does not exist. */
    public Resolved resolve(ModelRef ref) {
        String key = ref.toString();
        long now = nanoTime.getAsLong();
        CachedTag cached = tagCache.get(key);
        Cid cid;
        if (cached != null && now - cached.atNanos < tagTtlNanos) {
            cid = cached.cid;
            if (now - cached.atNanos >= tagTtlNanos / 2) {
                refreshAhead(key, ref, cached);
            }
        } else {
            cid = tags.resolve(ref)
                    .orElseThrow(() -> new ProblemException(
                            404,
                            "model_not_found",
                            "no model is published as " + ref + "; list models with GET /v1/models"));
            tagCache.put(key, new CachedTag(cid, now));
        }
        return new Resolved(ref, cid, manifest(cid));
    }

    /**
     * Reads {@code ref} from the store on {@link #refresher} and replaces {@code seen} with the answer, unless the entry
     * changed meanwhile (a {@link #moved} here is newer than what the read saw). The entry is stamped with the time the
     * read started: the store's answer is at least that fresh.
     */
    private void refreshAhead(String key, ModelRef ref, CachedTag seen) {
        if (!refreshing.add(key)) {
            return;
        }
        try {
            refresher.execute(() -> {
                try {
                    long startedNanos = nanoTime.getAsLong();
                    Optional<Cid> current = tags.resolve(ref);
                    if (current.isPresent()) {
                        tagCache.replace(key, seen, new CachedTag(current.get(), startedNanos));
                    } else {
                        tagCache.remove(key, seen); // deleted: the next call reads the store and answers 404
                    }
                } catch (RuntimeException storeDown) {
                    // The entry still expires at its ttl; the first call after it reads the store on its own thread
                    // and reports the failure to its caller, as without refresh ahead.
                } finally {
                    refreshing.remove(key);
                }
            });
        } catch (RejectedExecutionException shuttingDown) {
            refreshing.remove(key);
        }
    }

    /**
     * An exact version of {@code org/name}: a manifest CID that one of the model's tags points or pointed at (404
     * otherwise, so a caller cannot run an arbitrary stored blob under a model's name and price).
     */
    public Resolved resolveVersion(String org, String name, Cid version) {
        String key = org + "/" + name + "@" + version;
        ModelRef ref = versions.get(key);
        if (ref == null) {
            ref = tags(org, name).stream()
                    .flatMap(t -> tags.history(t.ref()).stream())
                    .filter(e -> e.manifest().equals(version))
                    .map(TagEntry::ref)
                    .findFirst()
                    .orElseThrow(() -> new ProblemException(
                            404,
                            "model_not_found",
                            org + "/" + name + " has never been published as version " + version
                                    + "; see GET /v1/models/" + org + "/" + name));
            versions.put(key, ref);
        }
        return new Resolved(ref, version, manifest(version));
    }

    /** Records a tag move made through this gateway, so this gateway serves it at once. */
    public void moved(ModelRef ref, Cid manifest) {
        tagCache.put(ref.toString(), new CachedTag(manifest, nanoTime.getAsLong()));
        moves.incrementAndGet();
    }

    /** The manifest stored under {@code cid}; 422 {@code invalid_manifest} when the blob is not one. */
    public Manifest manifest(Cid cid) {
        Manifest m = manifests.get(cid);
        if (m != null) {
            return m;
        }
        Optional<BlobStore.BlobInfo> info = blobs.stat(cid);
        if (info.isEmpty()) {
            throw new ProblemException(
                    422,
                    "missing_blobs",
                    "the manifest " + cid + " is not in the store; upload it first",
                    Map.of("missing", List.of(cid.toString())),
                    Optional.empty());
        }
        if (info.get().sizeBytes() > Manifest.MAX_BYTES) {
            throw new ProblemException(
                    422,
                    "invalid_manifest",
                    "blob " + cid + " is " + info.get().sizeBytes() + " bytes, larger than any manifest ("
                            + Manifest.MAX_BYTES + ")");
        }
        byte[] bytes;
        try (InputStream in = blobs.get(cid)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            m = Manifest.parseCanonical(bytes);
        } catch (InvalidManifestException e) {
            throw new ProblemException(
                    422, "invalid_manifest", "blob " + cid + " is not a valid manifest: " + e.getMessage());
        }
        manifests.put(cid, m);
        return m;
    }

    /** Every tag of {@code org/name} with its current manifest, sorted by tag; 404 when there is none. */
    public List<TagEntry> tags(String org, String name) {
        List<TagEntry> all = tags.tags(org, name);
        if (all.isEmpty()) {
            throw new ProblemException(404, "model_not_found", "no model is published as " + org + "/" + name);
        }
        return all;
    }

    /** Every move of {@code ref}, oldest first; 404 when the tag never existed. */
    public List<TagEntry> history(ModelRef ref) {
        List<TagEntry> history = tags.history(ref);
        if (history.isEmpty()) {
            throw new ProblemException(404, "model_not_found", "no model is published as " + ref);
        }
        return history;
    }

    /**
     * Published models, one row per {@code org/name} with its {@link #preferred} tag, filtered, in name order: the
     * first {@code limit} matches whose name sorts after {@code after}. Manifests are read only for the names the page
     * looks at, so a page costs at most one listing of the tag store (see Caching) plus its own models' manifests
     * (cached) when nothing filters by owner or task.
     *
     * @param query a substring of {@code org/name} or of the task, case-insensitive; empty for all
     * @param after an {@code org/name} or a model id {@code org/name:tag} (the last of the previous page); the page
     *     starts after that name
     * @param limit at most this many models, ≥ 1
     */
    public Page list(
            Optional<String> query,
            Optional<EthAddress> owner,
            Optional<String> task,
            Optional<String> after,
            int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be ≥ 1, not " + limit);
        }
        NavigableMap<String, TagEntry> chosen = currentModels();
        Map<String, TagEntry> page = after.map(a -> a.contains(":") ? a.substring(0, a.lastIndexOf(':')) : a)
                .<Map<String, TagEntry>>map(a -> chosen.tailMap(a, false))
                .orElse(chosen);
        List<Listing> out = new ArrayList<>();
        String q = query.map(s -> s.toLowerCase(Locale.ROOT)).orElse("");
        for (Map.Entry<String, TagEntry> e : page.entrySet()) {
            Manifest m;
            try {
                m = manifest(e.getValue().manifest());
            } catch (ProblemException unreadable) {
                continue; // a tag that points at a blob that is gone or not a manifest is not a listed model
            }
            boolean matches = q.isEmpty() || e.getKey().contains(q) || m.task().contains(q);
            if (matches
                    && owner.map(m.owner()::equals).orElse(true)
                    && task.map(m.task()::equals).orElse(true)) {
                if (out.size() == limit) {
                    return new Page(out, true);
                }
                out.add(new Listing(e.getKey(), e.getValue(), m));
            }
        }
        return new Page(out, false);
    }

    /**
     * Each model's {@link #preferred} tag by name, from one listing of the store per {@code tagTtl}, or at once after a
     * {@link #moved}.
     */
    private NavigableMap<String, TagEntry> currentModels() {
        long now = nanoTime.getAsLong();
        long seen = moves.get();
        CachedListing cached = listing;
        if (cached != null && cached.moves == seen && now - cached.atNanos < tagTtlNanos) {
            return cached.models;
        }
        TreeMap<String, TagEntry> models = new TreeMap<>();
        for (TagEntry e : tags.all()) {
            models.merge(e.ref().repository(), e, ModelCatalog::preferred);
        }
        NavigableMap<String, TagEntry> frozen = Collections.unmodifiableNavigableMap(models);
        listing = new CachedListing(frozen, now, seen); // a move made while listing makes it stale at once
        return frozen;
    }

    /**
     * Of two tags of one model, the one the model is shown under: {@code latest}, else the most recently moved. The
     * listing and the model's own page agree through this.
     */
    public static TagEntry preferred(TagEntry a, TagEntry b) {
        boolean aLatest = a.ref().tag().equals(ModelRef.DEFAULT_TAG);
        boolean bLatest = b.ref().tag().equals(ModelRef.DEFAULT_TAG);
        if (aLatest != bLatest) {
            return aLatest ? a : b;
        }
        return a.at().isAfter(b.at()) ? a : b;
    }

    private record CachedTag(Cid cid, long atNanos) {}

    /** {@code moves}: how many moves this gateway had made when the listing started. */
    private record CachedListing(NavigableMap<String, TagEntry> models, long atNanos, long moves) {}
}
