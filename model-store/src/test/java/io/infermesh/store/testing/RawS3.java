package io.infermesh.store.testing;

import io.infermesh.store.s3.S3Config;
import io.minio.ListObjectsArgs;
import io.minio.MinioAsyncClient;
import io.minio.PutObjectArgs;
import io.minio.Result;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The S3 server as tests see it from outside the store: a plain MinIO client on the same bucket. */
public final class RawS3 {
    private RawS3() {}

    public static MinioAsyncClient client(S3Config config) {
        return MinioAsyncClient.builder()
                .endpoint(config.endpoint().toString())
                .credentials(config.accessKey(), config.secretKey())
                .region(config.region())
                .build();
    }

    /** Every key under {@code prefix} ({@code ""} for the whole bucket), in S3's order, through a new client. */
    public static List<String> keys(S3Config config, String prefix) {
        return keys(client(config), config, prefix);
    }

    /** {@link #keys(S3Config, String)} through {@code client} (building a client costs far more than a listing). */
    public static List<String> keys(MinioAsyncClient client, S3Config config, String prefix) {
        List<String> keys = new ArrayList<>();
        try {
            for (Result<Item> item : client.listObjects(ListObjectsArgs.builder()
                    .bucket(config.bucket())
                    .prefix(prefix)
                    .recursive(true)
                    .build())) {
                keys.add(item.get().objectName());
            }
        } catch (Exception e) {
            throw new IllegalStateException("listing " + prefix + " in " + config.bucket() + " failed", e);
        }
        return keys;
    }

    /** Starts putting an empty object at {@code key}. */
    public static CompletableFuture<?> putEmpty(MinioAsyncClient client, S3Config config, String key) {
        try {
            return client.putObject(PutObjectArgs.builder().bucket(config.bucket()).object(key).stream(
                            new ByteArrayInputStream(new byte[0]), 0, -1)
                    .build());
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Puts an empty object at {@code key} and waits for it. */
    public static void putEmpty(S3Config config, String key) {
        putEmpty(client(config), config, key).join();
    }
}
