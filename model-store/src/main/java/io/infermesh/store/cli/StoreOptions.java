package io.infermesh.store.cli;

import io.infermesh.store.s3.S3BlobStore;
import io.infermesh.store.s3.S3Config;
import io.infermesh.store.s3.S3TagStore;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where the store is: flags override the INFERMESH_S3_* environment. */
final class StoreOptions {
    @Option(names = "--s3-endpoint", description = "S3 endpoint (env INFERMESH_S3_ENDPOINT)")
    URI endpoint;

    @Option(names = "--s3-bucket", description = "bucket (env INFERMESH_S3_BUCKET, default infermesh)")
    String bucket;

    S3Config config() {
        Map<String, String> env = new HashMap<>(System.getenv());
        if (endpoint != null) {
            env.put("INFERMESH_S3_ENDPOINT", endpoint.toString());
        }
        if (bucket != null) {
            env.put("INFERMESH_S3_BUCKET", bucket);
        }
        return S3Config.fromEnv(env);
    }

    S3BlobStore blobs() {
        return S3BlobStore.connect(config());
    }

    S3TagStore tags() {
        return S3TagStore.connect(config());
    }
}
