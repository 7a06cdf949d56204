package io.infermesh.store.s3;

import java.net.URI;
import java.util.Map;

/**
 * Where the blob store lives. Immutable.
 *
 * @param endpoint S3 endpoint, e.g. {@code http://127.0.0.1:9000}
 * @param accessKey access key id
 * @param secretKey secret key
 * @param bucket bucket holding {@code blobs/}, {@code tag-history/} and {@code tag-current/}; created if missing
 * @param region signing region
 * @param partBytes multipart part size: blobs up to this size go up in one PUT; 5 MiB to 512 MiB
 */
public record S3Config(URI endpoint, String accessKey, String secretKey, String bucket, String region, int partBytes) {
    public static final int DEFAULT_PART_BYTES = 16 * 1024 * 1024;
    public static final int MIN_PART_BYTES = 5 * 1024 * 1024;
    public static final int MAX_PART_BYTES = 512 * 1024 * 1024;
    public static final String DEFAULT_BUCKET = "infermesh";
    public static final String DEFAULT_REGION = "us-east-1";

    public S3Config {
        if (endpoint == null || endpoint.getHost() == null) {
            throw new IllegalArgumentException("S3 endpoint must be an absolute URL like http://127.0.0.1:9000");
        }
        if (accessKey == null || accessKey.isEmpty() || secretKey == null || secretKey.isEmpty()) {
            throw new IllegalArgumentException("S3 access key and secret key are required");
        }
        if (bucket == null || !bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            throw new IllegalArgumentException("S3 bucket '" + bucket + "' is not a valid bucket name");
        }
        if (partBytes < MIN_PART_BYTES || partBytes > MAX_PART_BYTES) {
            throw new IllegalArgumentException(
                    "S3 part size must be between " + MIN_PART_BYTES + " and " + MAX_PART_BYTES + " bytes");
        }
    }

    public static S3Config of(URI endpoint, String accessKey, String secretKey, String bucket) {
        return new S3Config(endpoint, accessKey, secretKey, bucket, DEFAULT_REGION, DEFAULT_PART_BYTES);
    }

    /**
     * Reads {@code INFERMESH_S3_ENDPOINT}, {@code INFERMESH_S3_ACCESS_KEY}, {@code INFERMESH_S3_SECRET_KEY}, and
     * optionally {@code INFERMESH_S3_BUCKET}, {@code INFERMESH_S3_REGION}, {@code INFERMESH_S3_PART_BYTES}.
     */
    public static S3Config fromEnv(Map<String, String> env) {
        String endpoint = env.get("INFERMESH_S3_ENDPOINT");
        if (endpoint == null || endpoint.isBlank()) {
            throw new IllegalArgumentException(
                    "INFERMESH_S3_ENDPOINT is not set; start a local S3 server with `deploy/s3.sh start DIR` "
                            + "and export the values it prints (as INFERMESH_S3_*)");
        }
        return new S3Config(
                URI.create(endpoint),
                env.getOrDefault("INFERMESH_S3_ACCESS_KEY", ""),
                env.getOrDefault("INFERMESH_S3_SECRET_KEY", ""),
                env.getOrDefault("INFERMESH_S3_BUCKET", DEFAULT_BUCKET),
                env.getOrDefault("INFERMESH_S3_REGION", DEFAULT_REGION),
                Integer.parseInt(env.getOrDefault("INFERMESH_S3_PART_BYTES", String.valueOf(DEFAULT_PART_BYTES))));
    }
}
