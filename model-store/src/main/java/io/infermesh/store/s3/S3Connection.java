package io.infermesh.store.s3;

import io.infermesh.store.ModelStoreException;
import io.infermesh.store.ModelStoreException.ErrorCode;
import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioAsyncClient;
import io.minio.errors.ErrorResponseException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** One MinIO client bound to one bucket, plus the single place S3 failures become {@link ModelStoreException}s. */
final class S3Connection {
    private static final Set<String> NOT_FOUND_CODES = Set.of("NoSuchKey", "NoSuchObject", "NoSuchUpload");

    final MinioAsyncClient client;
    final S3Config config;

    S3Connection(S3Config config) {
        this.config = config;
        this.client = MinioAsyncClient.builder()
                .endpoint(config.endpoint().toString())
                .credentials(config.accessKey(), config.secretKey())
                .region(config.region())
                .build();
    }

    String bucket() {
        return config.bucket();
    }

    void ensureBucket() {
        boolean exists = await(call(() ->
                client.bucketExists(BucketExistsArgs.builder().bucket(bucket()).build())));
        if (!exists) {
            try {
                await(call(() -> client.makeBucket(
                        MakeBucketArgs.builder().bucket(bucket()).build())));
            } catch (ModelStoreException e) {
                // Another process may have created it between the check and the create.
                if (!await(call(() -> client.bucketExists(
                        BucketExistsArgs.builder().bucket(bucket()).build())))) {
                    throw e;
                }
            }
        }
    }

    /** Starts an SDK call, turning the SDK's checked setup exceptions into a failed future. */
    <T> CompletableFuture<T> call(SdkCall<T> call) {
        try {
            return call.start();
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Waits for an SDK future and maps its failure. */
    static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelStoreException(ErrorCode.STORE_UNAVAILABLE, "interrupted while waiting for S3", e);
        } catch (ExecutionException | CompletionException e) {
            throw translate(e.getCause());
        }
    }

    static boolean isNotFound(Throwable t) {
        Throwable cause = unwrap(t);
        return cause instanceof ErrorResponseException e
                && NOT_FOUND_CODES.contains(e.errorResponse().code());
    }

    static ModelStoreException translate(Throwable t) {
        Throwable cause = unwrap(t);
        if (cause instanceof ModelStoreException e) {
            return e;
        }
        if (isNotFound(cause)) {
            return new ModelStoreException(ErrorCode.NOT_FOUND, "not found in the store", cause);
        }
        if (cause instanceof ErrorResponseException e) {
            return new ModelStoreException(
                    ErrorCode.STORE_UNAVAILABLE,
                    "S3 refused the request: " + e.errorResponse().code() + " "
                            + e.errorResponse().message(),
                    cause);
        }
        return new ModelStoreException(
                ErrorCode.STORE_UNAVAILABLE,
                "S3 request failed: " + cause.getClass().getSimpleName(),
                cause);
    }

    private static Throwable unwrap(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    @FunctionalInterface
    interface SdkCall<T> {
        CompletableFuture<T> start() throws Exception;
    }
}
