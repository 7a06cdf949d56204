package io.infermesh.store.s3;

import io.infermesh.store.ModelRef;
import io.infermesh.store.TagStore;
import io.infermesh.store.cid.Cid;
import io.minio.ListObjectsArgs;
import io.minio.PutObjectArgs;
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
 * {@link TagStore} on S3. Each move is an empty object {@code tag-history/<org>/<model>/<tag>/<micros>-<cid>}; the key
 * itself carries the time and the manifest, so listing one prefix yields the whole history without reading objects,
 * and the newest key is the current value. Writes never overwrite, so concurrent gateways cannot lose a move; the
 * latest timestamp wins.
 */
public final class S3TagStore implements TagStore {
    static final String HISTORY_PREFIX = "tag-history/";

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
        S3Connection s3 = new S3Connection(config);
        s3.ensureBucket();
        return new S3TagStore(s3, clock);
    }

    @Override
    public TagEntry setTag(ModelRef ref, Cid manifest) {
        Instant at = clock.instant().truncatedTo(ChronoUnit.MICROS);
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, at);
        String key = prefix(ref) + String.format("%019d", micros) + "-" + manifest;
        S3Connection.await(
                s3.call(() -> s3.client.putObject(PutObjectArgs.builder().bucket(s3.bucket()).object(key).stream(
                                new ByteArrayInputStream(new byte[0]), 0, -1)
                        .build())));
        return new TagEntry(ref, manifest, at);
    }

    @Override
    public Optional<Cid> resolve(ModelRef ref) {
        List<TagEntry> history = history(ref);
        return history.isEmpty()
                ? Optional.empty()
                : Optional.of(history.getLast().manifest());
    }

    @Override
    public List<TagEntry> history(ModelRef ref) {
        String prefix = prefix(ref);
        List<TagEntry> entries = new ArrayList<>();
        for (String key : list(prefix)) {
            entries.add(parse(ref, key.substring(prefix.length())));
        }
        entries.sort(Comparator.comparing(TagEntry::at));
        return entries;
    }

    @Override
    public List<TagEntry> tags(String org, String model) {
        ModelRef repo = new ModelRef(org, model, ModelRef.DEFAULT_TAG);
        String repoPrefix = HISTORY_PREFIX + repo.org() + "/" + repo.model() + "/";
        Map<String, TagEntry> latest = new TreeMap<>();
        for (String key : list(repoPrefix)) {
            String rest = key.substring(repoPrefix.length());
            int slash = rest.indexOf('/');
            if (slash <= 0) {
                continue;
            }
            ModelRef ref = new ModelRef(org, model, rest.substring(0, slash));
            TagEntry entry = parse(ref, rest.substring(slash + 1));
            latest.merge(ref.tag(), entry, (a, b) -> a.at().isAfter(b.at()) ? a : b);
        }
        return List.copyOf(latest.values());
    }

    @Override
    public List<TagEntry> all() {
        Map<String, TagEntry> latest = new TreeMap<>();
        for (String key : list(HISTORY_PREFIX)) {
            String[] parts = key.substring(HISTORY_PREFIX.length()).split("/", -1);
            if (parts.length != 4) {
                continue;
            }
            ModelRef ref = new ModelRef(parts[0], parts[1], parts[2]);
            latest.merge(ref.toString(), parse(ref, parts[3]), (a, b) -> a.at().isAfter(b.at()) ? a : b);
        }
        return List.copyOf(latest.values());
    }

    private List<String> list(String prefix) {
        List<String> keys = new ArrayList<>();
        Iterable<Result<Item>> results = s3.client.listObjects(ListObjectsArgs.builder()
                .bucket(s3.bucket())
                .prefix(prefix)
                .recursive(true)
                .build());
        try {
            for (Result<Item> result : results) {
                keys.add(result.get().objectName());
            }
        } catch (Exception e) {
            throw S3Connection.translate(e);
        }
        return keys;
    }

    private static TagEntry parse(ModelRef ref, String name) {
        int dash = name.indexOf('-');
        long micros = Long.parseLong(name.substring(0, dash));
        Instant at = Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
        return new TagEntry(ref, Cid.parse(name.substring(dash + 1)), at);
    }

    private static String prefix(ModelRef ref) {
        return HISTORY_PREFIX + ref.org() + "/" + ref.model() + "/" + ref.tag() + "/";
    }
}
