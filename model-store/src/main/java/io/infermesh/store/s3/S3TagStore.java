package io.infermesh.store.s3;

import io.infermesh.store.ModelRef;
import io.infermesh.store.ModelStoreException;
import io.infermesh.store.TagStore;
import io.infermesh.store.cid.Cid;
import io.minio.ListObjectsArgs;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@link TagStore} on S3, as two families of empty objects whose keys carry everything:
 *
 * <ul>
 *   <li>History, the record: each move is {@code tag-history/<org>/<model>/<tag>/<micros>-<cid>}. Listing one prefix
 *       yields a tag's whole history without reading objects. Writes never overwrite, so concurrent gateways cannot
 *       lose a move; the latest timestamp wins (in the same microsecond, the larger CID: the last key in listing
 *       order).
 *   <li>Current, an index over the history: {@code tag-current/<org>/<model>/<tag>/<inverted micros>-<cid>}, inverted
 *       so that S3's ascending listing gives the newest first. Once a move is in the history, its tag's older index
 *       keys are deleted, so the index holds one key per tag however long the history grows.
 * </ul>
 *
 * <p>A tag's first move is written history key first, then index key; every later move index key first, then history
 * key, then the older index keys are deleted. So a tag with one index key has its move in the history, and a tag with
 * more is mid-move (or its mover died). Every read that meets a tag with more than one index key writes the newest
 * one's history key (the same empty object the mover writes) and prunes the rest before it answers: no read returns a
 * move the history does not hold. A first move whose mover died between its writes is in the history only, like a
 * tag from before the index (below). {@link #resolve} is then one
 * listing of a few index keys, whatever the history's length; {@link #tags} and {@link #all} list the index only. A
 * tag with no index key (moved only by a gateway from before the index) is resolved from its history and indexed; a
 * store with history but no index at all is indexed by the first {@link #connect}.
 *
 * <p>A key under these prefixes that does not name a move is skipped: a filesystem-backed S3 server (S3Proxy, as in
 * {@code deploy/s3.sh}) lists the temporary file of a put in flight, {@code <key>-<uuid>}.
 */
public final class S3TagStore implements TagStore {
    static final String HISTORY_PREFIX = "tag-history/";
    static final String CURRENT_PREFIX = "tag-current/";
    /** S3's page: listing up to this many keys is one request. */
    private static final int PAGE = 1000;
    /** Index keys {@link #resolve} reads: the newest move's is the first one, unless a put in flight is listed first. */
    private static final int FIRST_KEYS = 8;

    private final S3Connection s3;
    private final Clock clock;

    private S3TagStore(S3Connection s3, Clock clock) {
        this.s3 = s3;
        this.clock = clock;
    }

    public static S3TagStore connect(S3Config config) {
        return connect(config, Clock.systemUTC());
    }

    public static S3TagStore connect(S3Config config, Clock clock) {
        return connect(new S3Connection(config), clock);
    }

    static S3TagStore connect(S3Connection s3, Clock clock) {
        s3.ensureBucket();
        S3TagStore store = new S3TagStore(s3, clock);
        if (store.list(CURRENT_PREFIX, null, 1).isEmpty()
                && !store.list(HISTORY_PREFIX, null, 1).isEmpty()) {
            store.reindex();
        }
        return store;
    }

    @Override
    public TagEntry setTag(ModelRef ref, Cid manifest) {
        Instant at = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Move move = new Move(ChronoUnit.MICROS.between(Instant.EPOCH, at), manifest);
        String index = currentPrefix(ref) + move.currentName();
        String history = historyPrefix(ref) + move.historyName();
        if (list(currentPrefix(ref), null, 1).isEmpty()) {
            // a first move: with no older index key, a reader could not tell this one from a finished move
            put(history);
            put(index);
        } else {
            put(index);
            put(history);
        }
        prune(ref);
        return move.entry(ref);
    }

    @Override
    public Optional<Cid> resolve(ModelRef ref) {
        String prefix = currentPrefix(ref);
        List<Move> indexed = new ArrayList<>();
        for (String key : list(prefix, null, FIRST_KEYS)) {
            Move.parseCurrent(key.substring(prefix.length())).ifPresent(indexed::add);
        }
        if (indexed.isEmpty()) {
            // a tag that does not exist, or one moved only by a gateway from before the index
            Optional<Move> newest = historyMoves(ref).stream().reduce(Move::newer);
            newest.ifPresent(move -> {
                put(prefix + move.currentName());
                prune(ref);
            });
            return newest.map(Move::manifest);
        }
        Move newest = indexed.stream().reduce(Move::newer).orElseThrow();
        if (indexed.size() > 1) {
            settle(ref, newest);
        }
        return Optional.of(newest.manifest());
    }

    @Override
    public List<TagEntry> history(ModelRef ref) {
        List<TagEntry> entries = new ArrayList<>();
        for (Move move : historyMoves(ref)) {
            entries.add(move.entry(ref));
        }
        entries.sort(Comparator.comparing(TagEntry::at)); // stable: in the same microsecond, key order
        return entries;
    }

    /** The tag's moves as its history keys name them, in listing order. */
    private List<Move> historyMoves(ModelRef ref) {
        String prefix = historyPrefix(ref);
        List<Move> moves = new ArrayList<>();
        for (String key : list(prefix, null, Integer.MAX_VALUE)) {
            Move.parseHistory(key.substring(prefix.length())).ifPresent(moves::add);
        }
        return moves;
    }

    @Override
    public List<TagEntry> tags(String org, String model) {
        ModelRef repo = new ModelRef(org, model, ModelRef.DEFAULT_TAG);
        return current(CURRENT_PREFIX + repo.org() + "/" + repo.model() + "/");
    }

    @Override
    public List<TagEntry> all() {
        return current(CURRENT_PREFIX);
    }

    /**
     * Rebuilds the index from the history: every tag's newest move is indexed and its older index keys are deleted.
     * {@link #connect} runs it on a store that has history but no index. Safe at any time, also beside gateways that
     * are moving tags.
     *
     * @return how many tags were indexed
     */
    public int reindex() {
        Map<String, TagMove> newest = new TreeMap<>();
        for (String key : list(HISTORY_PREFIX, null, Integer.MAX_VALUE)) {
            TagMove.parse(key.substring(HISTORY_PREFIX.length()), false)
                    .ifPresent(m -> newest.merge(m.ref().toString(), m, TagMove::newer));
        }
        for (TagMove m : newest.values()) {
            put(currentPrefix(m.ref()) + m.move().currentName());
            prune(m.ref());
        }
        return newest.size();
    }

    /** Writes {@code newest}'s history key (a no-op if its mover already did), then prunes the older index keys. */
    private void settle(ModelRef ref, Move newest) {
        put(historyPrefix(ref) + newest.historyName());
        prune(ref);
    }

    /**
     * Deletes the tag's index keys but the newest one listed. Called once the newest one listed is in the history: by
     * its mover, or by {@link #settle}. A mover still between its two writes has the newest key, which stays.
     */
    private void prune(ModelRef ref) {
        String prefix = currentPrefix(ref);
        List<Move> indexed = new ArrayList<>();
        for (String key : list(prefix, null, Integer.MAX_VALUE)) {
            Move.parseCurrent(key.substring(prefix.length())).ifPresent(indexed::add);
        }
        indexed.stream().reduce(Move::newer).ifPresent(keep -> {
            for (Move m : indexed) {
                if (!m.equals(keep)) {
                    remove(prefix + m.currentName());
                }
            }
        });
    }

    /** Each tag's newest indexed move under {@code prefix}, sorted by reference; a tag mid-move is settled first. */
    private List<TagEntry> current(String prefix) {
        Map<String, List<TagMove>> byTag = new TreeMap<>();
        for (String key : list(prefix, null, Integer.MAX_VALUE)) {
            TagMove.parse(key.substring(CURRENT_PREFIX.length()), true)
                    .ifPresent(m -> byTag.computeIfAbsent(m.ref().toString(), t -> new ArrayList<>())
                            .add(m));
        }
        List<TagEntry> entries = new ArrayList<>();
        for (List<TagMove> moves : byTag.values()) {
            TagMove newest = moves.stream().reduce(TagMove::newer).orElseThrow();
            if (moves.size() > 1) {
                settle(newest.ref(), newest.move());
            }
            entries.add(newest.move().entry(newest.ref()));
        }
        return entries;
    }

    private void put(String key) {
        S3Connection.await(
                s3.call(() -> s3.client.putObject(PutObjectArgs.builder().bucket(s3.bucket()).object(key).stream(
                                new ByteArrayInputStream(new byte[0]), 0, -1)
                        .build())));
    }

    private void remove(String key) {
        S3Connection.await(s3.call(() -> s3.client.removeObject(
                RemoveObjectArgs.builder().bucket(s3.bucket()).object(key).build())));
    }

    /** The first {@code limit} keys under {@code prefix} (after {@code startAfter}, when given), in ascending order. */
    private List<String> list(String prefix, String startAfter, int limit) {
        ListObjectsArgs.Builder args = ListObjectsArgs.builder()
                .bucket(s3.bucket())
                .prefix(prefix)
                .recursive(true)
                .maxKeys(Math.min(limit, PAGE));
        if (startAfter != null) {
            args.startAfter(startAfter);
        }
        List<String> keys = new ArrayList<>();
        try {
            for (Result<Item> result : s3.client.listObjects(args.build())) {
                keys.add(result.get().objectName());
                if (keys.size() == limit) {
                    break; // the SDK would request the next page
                }
            }
        } catch (Exception e) {
            throw S3Connection.translate(e);
        }
        return keys;
    }

    private static String historyPrefix(ModelRef ref) {
        return HISTORY_PREFIX + ref.org() + "/" + ref.model() + "/" + ref.tag() + "/";
    }

    private static String currentPrefix(ModelRef ref) {
        return CURRENT_PREFIX + ref.org() + "/" + ref.model() + "/" + ref.tag() + "/";
    }

    /** One move of a tag: when (microseconds since the epoch) and to which manifest. */
    private record Move(long micros, Cid manifest) {
        /** The later of the two; in the same microsecond the larger CID, as in the history's listing order. */
        Move newer(Move other) {
            int byTime = Long.compare(micros, other.micros);
            if (byTime == 0) {
                byTime = manifest.toString().compareTo(other.manifest.toString());
            }
            return byTime >= 0 ? this : other;
        }

        String historyName() {
            return String.format("%019d-%s", micros, manifest);
        }

        String currentName() {
            return String.format("%019d-%s", Long.MAX_VALUE - micros, manifest);
        }

        TagEntry entry(ModelRef ref) {
            return new TagEntry(ref, manifest, Instant.EPOCH.plus(micros, ChronoUnit.MICROS));
        }

        static Optional<Move> parseHistory(String name) {
            return parse(name, false);
        }

        static Optional<Move> parseCurrent(String name) {
            return parse(name, true);
        }

        /** {@code <19 digits>-<cid>}; empty for anything else. */
        static Optional<Move> parse(String name, boolean inverted) {
            int dash = name.indexOf('-');
            if (dash != 19 || !name.chars().limit(dash).allMatch(c -> c >= '0' && c <= '9')) {
                return Optional.empty();
            }
            try {
                long number = Long.parseLong(name.substring(0, dash));
                Cid cid = Cid.parse(name.substring(dash + 1));
                return Optional.of(new Move(inverted ? Long.MAX_VALUE - number : number, cid));
            } catch (ModelStoreException | NumberFormatException e) {
                return Optional.empty();
            }
        }
    }

    /** A move of one tag, read from {@code <org>/<model>/<tag>/<name>}. */
    private record TagMove(ModelRef ref, Move move) {
        TagMove newer(TagMove other) {
            return move.newer(other.move) == move ? this : other;
        }

        static Optional<TagMove> parse(String path, boolean inverted) {
            String[] parts = path.split("/", -1);
            if (parts.length != 4) {
                return Optional.empty();
            }
            try {
                ModelRef ref = new ModelRef(parts[0], parts[1], parts[2]);
                return Move.parse(parts[3], inverted).map(move -> new TagMove(ref, move));
            } catch (ModelStoreException e) {
                return Optional.empty();
            }
        }
    }
}
