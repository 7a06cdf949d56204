package io.infermesh.store.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.store.BlobStore;
import io.infermesh.store.ModelRef;
import io.infermesh.store.TagStore;
import io.infermesh.store.TagStore.TagEntry;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.testing.DeployedService;
import io.infermesh.store.testing.RawS3;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The S3 tag store and its current-value index against a real S3 server (S3Proxy started by {@code deploy/s3.sh}). */
class S3TagStoreIT {
    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static final ModelRef LATEST = ModelRef.parse("acme/minilm:latest");
    private static final Pattern KEY_COUNT = Pattern.compile("<KeyCount>(\\d+)</KeyCount>");
    private static final Pattern PUT_FAMILY = Pattern.compile("(?m)^PUT /[^/]+/(tag-history|tag-current)/");

    @RegisterExtension
    static final DeployedService.PerClass s3 = DeployedService.perClass("s3.sh");

    @Test
    void tagsMoveAndKeepTheirHistory() {
        S3Config config = config();
        BlobStore blobs = S3BlobStore.connect(config);
        TagStore tags = S3TagStore.connect(config);
        Cid v1 = blobs.put("manifest one".getBytes()).cid();
        Cid v2 = blobs.put("manifest two".getBytes()).cid();
        assertTrue(tags.resolve(LATEST).isEmpty());
        tags.setTag(LATEST, v1);
        tags.setTag(ModelRef.parse("acme/minilm:stable"), v1);
        tags.setTag(LATEST, v2);
        assertEquals(v2, tags.resolve(LATEST).orElseThrow());
        assertEquals(
                List.of(v1, v2),
                tags.history(LATEST).stream().map(TagEntry::manifest).toList());
        assertEquals(
                List.of("latest", "stable"),
                tags.tags("acme", "minilm").stream().map(e -> e.ref().tag()).toList());
        assertTrue(tags.resolve(ModelRef.parse("acme/minilm-other:latest")).isEmpty());
        tags.setTag(ModelRef.parse("globex/bert:v1"), v1);
        assertEquals(
                List.of("acme/minilm:latest=" + v2, "acme/minilm:stable=" + v1, "globex/bert:v1=" + v1),
                tags.all().stream().map(e -> e.ref() + "=" + e.manifest()).toList(),
                "every tag's current value, sorted by reference");
    }

    @Test
    void theIndexHoldsOneKeyPerTagHoweverLongTheHistory() {
        S3Config config = config();
        TagStore tags = S3TagStore.connect(config, new SteppingClock());
        List<Cid> moves = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            Cid cid = cid(i);
            moves.add(cid);
            tags.setTag(LATEST, cid);
        }
        tags.setTag(ModelRef.parse("acme/minilm:stable"), cid(99));
        assertEquals(
                moves, tags.history(LATEST).stream().map(TagEntry::manifest).toList());
        assertEquals(cid(24), tags.resolve(LATEST).orElseThrow());
        List<String> index = keys(config, S3TagStore.CURRENT_PREFIX);
        assertEquals(2, index.size(), "one index key per tag: " + index);
        assertEquals(
                List.of("acme/minilm:latest=" + cid(24), "acme/minilm:stable=" + cid(99)),
                tags.all().stream().map(e -> e.ref() + "=" + e.manifest()).toList());
        assertEquals(tags.history(LATEST).getLast(), tags.tags("acme", "minilm").getFirst());
    }

    @Test
    void resolveListsOnlyTheIndex() throws Exception {
        S3Config config = config();
        S3Connection connection = new S3Connection(config);
        TagStore tags = S3TagStore.connect(connection, new SteppingClock());
        for (int i = 0; i < 30; i++) {
            tags.setTag(LATEST, cid(i));
        }
        ByteArrayOutputStream resolveTrace = new ByteArrayOutputStream();
        connection.client.traceOn(resolveTrace);
        assertEquals(cid(29), tags.resolve(LATEST).orElseThrow());
        ByteArrayOutputStream historyTrace = new ByteArrayOutputStream();
        connection.client.traceOn(historyTrace);
        assertEquals(30, tags.history(LATEST).size());
        connection.client.traceOff();
        assertEquals(List.of(1), listedKeys(resolveTrace), "one listing, of the tag's one index key");
        assertEquals(List.of(30), listedKeys(historyTrace), "the history, for comparison: every move");
    }

    /** The {@code KeyCount} of each listing in a MinIO client trace (it shows request lines and response bodies). */
    private static List<Integer> listedKeys(ByteArrayOutputStream trace) {
        return KEY_COUNT
                .matcher(trace.toString(StandardCharsets.UTF_8))
                .results()
                .map(m -> Integer.parseInt(m.group(1)))
                .toList();
    }

    @Test
    void aMoveWhoseMoverDiedBeforeItsHistoryWriteIsWrittenByTheNextRead() throws Exception {
        S3Config config = config();
        SteppingClock clock = new SteppingClock();
        TagStore tags = S3TagStore.connect(config, clock);
        tags.setTag(LATEST, cid(1));
        // a mover wrote the index key of a later move and died before the history key
        plantIndexKey(config, clock.micros.get() + 1_000, cid(2));
        assertEquals(
                List.of(cid(1)),
                tags.history(LATEST).stream().map(TagEntry::manifest).toList());
        assertEquals(cid(2), tags.resolve(LATEST).orElseThrow());
        assertEquals(
                List.of(cid(1), cid(2)),
                tags.history(LATEST).stream().map(TagEntry::manifest).toList(),
                "the read wrote the history key before it answered");
        assertEquals(1, keys(config, S3TagStore.CURRENT_PREFIX).size(), "and pruned the older index key");

        plantIndexKey(config, clock.micros.get() + 2_000, cid(3));
        assertEquals(cid(3), tags.all().getFirst().manifest(), "listing models settles a tag mid-move the same way");
        assertEquals(cid(3), tags.history(LATEST).getLast().manifest());
        assertEquals(1, keys(config, S3TagStore.CURRENT_PREFIX).size());
    }

    @Test
    void aFirstMoveIsInTheHistoryBeforeItsIndexKeyAndLaterMovesTheOtherWayRound() throws Exception {
        S3Config config = config();
        S3Connection connection = new S3Connection(config);
        TagStore tags = S3TagStore.connect(connection, new SteppingClock());
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        connection.client.traceOn(trace);
        tags.setTag(LATEST, cid(1));
        tags.setTag(LATEST, cid(2));
        connection.client.traceOff();
        List<String> puts = PUT_FAMILY
                .matcher(trace.toString(StandardCharsets.UTF_8))
                .results()
                .map(m -> m.group(1))
                .toList();
        // one index key alone must have its move in the history; a second one marks a move in progress
        assertEquals(List.of("tag-history", "tag-current", "tag-current", "tag-history"), puts);
    }

    @Test
    void aFirstMoveWhoseMoverDiedAfterItsHistoryWriteIsFoundByResolve() {
        S3Config config = config();
        TagStore tags = S3TagStore.connect(config, new SteppingClock());
        tags.setTag(ModelRef.parse("acme/minilm:stable"), cid(1)); // the store has an index
        put(
                config,
                S3TagStore.HISTORY_PREFIX + "acme/minilm/latest/" + String.format("%019d", 1_790_000_000_000_000L) + "-"
                        + cid(2));
        assertEquals(cid(2), tags.resolve(LATEST).orElseThrow());
        assertEquals(2, keys(config, S3TagStore.CURRENT_PREFIX).size(), "resolve indexed it");
        assertEquals(
                List.of("acme/minilm:latest=" + cid(2), "acme/minilm:stable=" + cid(1)),
                tags.all().stream().map(e -> e.ref() + "=" + e.manifest()).toList());
    }

    private static void plantIndexKey(S3Config config, long micros, Cid cid) throws Exception {
        put(
                config,
                S3TagStore.CURRENT_PREFIX + "acme/minilm/latest/" + String.format("%019d", Long.MAX_VALUE - micros)
                        + "-" + cid);
    }

    @Test
    void aStoreWrittenBeforeTheIndexIsIndexedWhenConnected() throws Exception {
        S3Config config = config();
        S3Connection connection = new S3Connection(config);
        connection.ensureBucket();
        String history = S3TagStore.HISTORY_PREFIX;
        put(config, history + "acme/minilm/latest/0001700000000000000-" + cid(1));
        put(config, history + "acme/minilm/latest/0001700000000000005-" + cid(2));
        put(config, history + "acme/minilm/stable/0001700000000000003-" + cid(3));
        put(config, history + "globex/bert/v1/0001700000000000001-" + cid(4));
        assertEquals(List.of(), keys(config, S3TagStore.CURRENT_PREFIX));
        TagStore tags = S3TagStore.connect(config);
        assertEquals(
                List.of("acme/minilm:latest=" + cid(2), "acme/minilm:stable=" + cid(3), "globex/bert:v1=" + cid(4)),
                tags.all().stream().map(e -> e.ref() + "=" + e.manifest()).toList());
        assertEquals(3, keys(config, S3TagStore.CURRENT_PREFIX).size());
        assertEquals(
                Instant.ofEpochSecond(1_700_000_000, 5_000),
                tags.all().getFirst().at());
    }

    @Test
    void movesInTheSameMicrosecondAgreeEverywhere() {
        S3Config config = config();
        Clock frozen = Clock.fixed(Instant.parse("2026-12-02T12:00:00Z"), ZoneOffset.UTC);
        TagStore tags = S3TagStore.connect(config, frozen);
        Cid a = cid(1);
        Cid b = cid(2);
        tags.setTag(LATEST, a);
        tags.setTag(LATEST, b);
        Cid last = tags.history(LATEST).getLast().manifest();
        assertEquals(last, tags.resolve(LATEST).orElseThrow());
        assertEquals(last, tags.all().getFirst().manifest());
        assertEquals(1, keys(config, S3TagStore.CURRENT_PREFIX).size());
    }

    @Test
    void concurrentMovesFromTwoStoresLeaveTheNewestIndexed() throws Exception {
        S3Config config = config();
        List<TagStore> stores = List.of(S3TagStore.connect(config), S3TagStore.connect(config));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                TagStore store = stores.get(w);
                int base = w * 100;
                writers.add(pool.submit(() -> {
                    for (int i = 0; i < 15; i++) {
                        store.setTag(LATEST, cid(base + i));
                    }
                }));
            }
            for (Future<?> writer : writers) {
                writer.get();
            }
        } finally {
            pool.shutdownNow();
        }
        TagStore reader = S3TagStore.connect(config);
        List<TagEntry> history = reader.history(LATEST);
        assertEquals(30, history.size());
        Cid newest = history.getLast().manifest();
        assertEquals(newest, reader.all().getFirst().manifest(), "the index names the newest move");
        assertEquals(newest, reader.resolve(LATEST).orElseThrow());
        assertEquals(1, keys(config, S3TagStore.CURRENT_PREFIX).size());
    }

    /** A clock that moves one microsecond each time it is read, so every move has its own time. */
    private static final class SteppingClock extends Clock {
        final AtomicLong micros = new AtomicLong(1_780_000_000_000_000L);

        @Override
        public Instant instant() {
            long now = micros.incrementAndGet();
            return Instant.ofEpochSecond(now / 1_000_000, (now % 1_000_000) * 1_000);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    private static Cid cid(int n) {
        return S3BlobStoreIT.cidOf(("manifest " + n).getBytes());
    }

    private static S3Config config() {
        return s3.s3Config("tags-" + BUCKETS.incrementAndGet());
    }

    private static void put(S3Config config, String key) {
        RawS3.putEmpty(config, key);
    }

    private static List<String> keys(S3Config config, String prefix) {
        return RawS3.keys(config, prefix);
    }
}
