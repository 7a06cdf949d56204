package io.infermesh.store.s3;

import com.google.common.collect.ImmutableMultimap;
import io.infermesh.store.BlobStore;
import io.infermesh.store.ContentSummary;
import io.infermesh.store.ModelStoreException;
import io.infermesh.store.ModelStoreException.ErrorCode;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import io.minio.GetObjectArgs;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.ListMultipartUploadsResponse;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.http.Method;
import io.minio.messages.Part;
import io.minio.messages.Upload;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@link BlobStore} on any S3 server, through the MinIO SDK. Blobs live under {@code blobs/<cid>}.
 *
 * <p>Stage, verify, commit: a blob that fits in one part is hashed in memory and PUT only if it matches. A larger blob
 * goes up as an S3 multipart upload addressed to its final key; the parts are hashed as they stream past, and the
 * upload is completed only when the digest matches, aborted otherwise. An incomplete multipart upload is invisible to
 * readers, so the key never holds wrong bytes; uploads abandoned by a crash are reaped by {@link #deleteStaleStaging}.
 * Up to {@value #PARTS_IN_FLIGHT} parts upload while the next one is read and hashed.
 *
 * <p>Thread-safe.
 */
public final class S3BlobStore implements BlobStore {
    static final String BLOB_PREFIX = "blobs/";
    private static final int PARTS_IN_FLIGHT = 2;
    private static final Duration MAX_PRESIGN = Duration.ofDays(7);

    private final S3Connection s3;
    private final Clock clock;

    private S3BlobStore(S3Connection s3, Clock clock) {
        this.s3 = s3;
        this.clock = clock;
    }

    /** Connects and creates the bucket if it does not exist. */
    public static S3BlobStore connect(S3Config config) {
        return connect(config, Clock.systemUTC());
    }

    public static S3BlobStore connect(S3Config config, Clock clock) {
        S3Connection s3 = new S3Connection(config);
        s3.ensureBucket();
        return new S3BlobStore(s3, clock);
    }

    static String key(Cid cid) {
        return BLOB_PREFIX + cid;
    }

    @Override
    public ContentSummary put(Cid expected, InputStream in) {
        ContentDigester digester = ContentDigester.create(ImportOptions.impliedBy(expected));
        try {
            // Exactly as large as the data when it is small; part buffers are never reused, so they are hashed
            // in place while they upload.
            byte[] first = in.readNBytes(s3.config.partBytes());
            digester.updateInPlace(ByteBuffer.wrap(first));
            if (first.length < s3.config.partBytes()) {
                ContentSummary summary = digester.finish().requireCid(expected);
                putSmall(expected, first);
                return summary;
            }
            return putMultipart(expected, in, digester, first);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the upload failed; nothing was stored", e);
        }
    }

    @Override
    public ContentSummary put(byte[] bytes) {
        ContentSummary summary = ContentDigester.digest(bytes, ImportOptions.defaults());
        if (bytes.length < s3.config.partBytes()) {
            putSmall(summary.cid(), bytes);
            return summary;
        }
        return put(summary.cid(), new ByteArrayInputStream(bytes));
    }

    private void putSmall(Cid cid, byte[] data) {
        S3Connection.await(
                s3.call(() -> s3.client.putObject(PutObjectArgs.builder().bucket(s3.bucket()).object(key(cid)).stream(
                                new ByteArrayInputStream(data), data.length, -1)
                        .contentType("application/octet-stream")
                        .build())));
    }

    private ContentSummary putMultipart(Cid expected, InputStream in, ContentDigester digester, byte[] first)
            throws IOException {
        String key = key(expected);
        String uploadId = S3Connection.await(s3.call(() -> s3.client.createMultipartUploadAsync(
                        s3.bucket(), s3.config.region(), key, headers("application/octet-stream"), null)))
                .result()
                .uploadId();
        boolean completed = false;
        ArrayDeque<CompletableFuture<Part>> inFlight = new ArrayDeque<>();
        List<Part> parts = new ArrayList<>();
        try {
            int partNumber = 1;
            byte[] buffer = first;
            int length = first.length;
            while (length > 0) {
                inFlight.addLast(uploadPart(key, uploadId, partNumber++, buffer, length));
                while (inFlight.size() > PARTS_IN_FLIGHT) {
                    parts.add(S3Connection.await(inFlight.removeFirst()));
                }
                buffer = new byte[first.length];
                length = in.readNBytes(buffer, 0, buffer.length);
                digester.updateInPlace(ByteBuffer.wrap(buffer, 0, length));
            }
            ContentSummary summary = digester.finish();
            summary.requireCid(expected);
            while (!inFlight.isEmpty()) {
                parts.add(S3Connection.await(inFlight.removeFirst()));
            }
            Part[] partArray = parts.toArray(Part[]::new);
            S3Connection.await(s3.call(() -> s3.client.completeMultipartUploadAsync(
                    s3.bucket(), s3.config.region(), key, uploadId, partArray, null, null)));
            completed = true;
            return summary;
        } finally {
            if (!completed) {
                inFlight.forEach(f -> f.cancel(true));
                abortQuietly(key, uploadId);
            }
        }
    }

    private CompletableFuture<Part> uploadPart(String key, String uploadId, int partNumber, byte[] data, int length) {
        return s3.call(() -> s3.client.uploadPartAsync(
                        s3.bucket(), s3.config.region(), key, data, length, uploadId, partNumber, null, null))
                .thenApply(response -> new Part(response.partNumber(), response.etag()));
    }

    private void abortQuietly(String key, String uploadId) {
        try {
            S3Connection.await(s3.call(() ->
                    s3.client.abortMultipartUploadAsync(s3.bucket(), s3.config.region(), key, uploadId, null, null)));
        } catch (ModelStoreException e) {
            // The upload stays invisible to readers; deleteStaleStaging reaps it later.
        }
    }

    @Override
    public InputStream get(Cid cid) {
        return open(
                cid,
                GetObjectArgs.builder().bucket(s3.bucket()).object(key(cid)).build());
    }

    @Override
    public InputStream getRange(Cid cid, long offset, long length) {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("offset and length must be non-negative");
        }
        if (length == 0) {
            stat(cid).orElseThrow(() -> notFound(cid));
            return InputStream.nullInputStream();
        }
        return open(
                cid,
                GetObjectArgs.builder()
                        .bucket(s3.bucket())
                        .object(key(cid))
                        .offset(offset)
                        .length(length)
                        .build());
    }

    private InputStream open(Cid cid, GetObjectArgs args) {
        try {
            return S3Connection.await(s3.call(() -> s3.client.getObject(args)));
        } catch (ModelStoreException e) {
            throw e.code() == ErrorCode.NOT_FOUND ? notFound(cid) : e;
        }
    }

    @Override
    public Optional<BlobInfo> stat(Cid cid) {
        return S3Connection.await(statAsync(cid));
    }

    private CompletableFuture<Optional<BlobInfo>> statAsync(Cid cid) {
        return s3.call(() -> s3.client.statObject(StatObjectArgs.builder()
                        .bucket(s3.bucket())
                        .object(key(cid))
                        .build()))
                .handle((StatObjectResponse response, Throwable error) -> {
                    if (error == null) {
                        return Optional.of(new BlobInfo(cid, response.size()));
                    }
                    if (S3Connection.isNotFound(error)) {
                        return Optional.<BlobInfo>empty();
                    }
                    throw S3Connection.translate(error);
                });
    }

    @Override
    public List<Cid> missing(Collection<Cid> cids) {
        Map<Cid, CompletableFuture<Optional<BlobInfo>>> checks = new LinkedHashMap<>();
        for (Cid cid : cids) {
            checks.computeIfAbsent(cid, this::statAsync);
        }
        List<Cid> missing = new ArrayList<>();
        for (Map.Entry<Cid, CompletableFuture<Optional<BlobInfo>>> check : checks.entrySet()) {
            if (S3Connection.await(check.getValue()).isEmpty()) {
                missing.add(check.getKey());
            }
        }
        return missing;
    }

    @Override
    public URI presignGet(Cid cid, Duration validity) {
        if (validity.isNegative() || validity.isZero() || validity.compareTo(MAX_PRESIGN) > 0) {
            throw new IllegalArgumentException("a presigned URL is valid for 1 s to 7 days");
        }
        try {
            return URI.create(s3.client.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder()
                    .method(Method.GET)
                    .bucket(s3.bucket())
                    .object(key(cid))
                    .expiry((int) validity.toSeconds())
                    .build()));
        } catch (Exception e) {
            throw S3Connection.translate(e);
        }
    }

    @Override
    public int deleteStaleStaging(Duration olderThan) {
        Instant cutoff = clock.instant().minus(olderThan);
        int aborted = 0;
        String keyMarker = null;
        String uploadIdMarker = null;
        while (true) {
            String km = keyMarker;
            String um = uploadIdMarker;
            ListMultipartUploadsResponse page = S3Connection.await(s3.call(() -> s3.client.listMultipartUploadsAsync(
                    s3.bucket(), s3.config.region(), null, null, km, 1000, BLOB_PREFIX, um, null, null)));
            for (Upload upload : page.result().uploads()) {
                if (upload.initiated() != null && upload.initiated().toInstant().isBefore(cutoff)) {
                    abortQuietly(upload.objectName(), upload.uploadId());
                    aborted++;
                }
            }
            if (!page.result().isTruncated()) {
                return aborted;
            }
            keyMarker = page.result().nextKeyMarker();
            uploadIdMarker = page.result().nextUploadIdMarker();
        }
    }

    private static ModelStoreException notFound(Cid cid) {
        return new ModelStoreException(ErrorCode.NOT_FOUND, "no blob with CID " + cid + " in the store");
    }

    private static ImmutableMultimap<String, String> headers(String contentType) {
        return ImmutableMultimap.of("Content-Type", contentType);
    }
}
