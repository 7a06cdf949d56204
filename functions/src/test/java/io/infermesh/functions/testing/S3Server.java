package io.infermesh.functions.testing;

import io.infermesh.store.s3.S3Config;
import io.infermesh.store.testing.DeployedService;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real S3 server (S3Proxy, started by {@code deploy/s3.sh}) for one test class, in its own WORKDIR under {@code
 * target/}: {@code @RegisterExtension static final S3Server s3 = S3Server.forClass("catalog");}. Each {@link
 * #freshBucket()} names a bucket no other test used, so tests do not see each other's blobs and tags.
 */
public final class S3Server implements BeforeAllCallback, AfterAllCallback {
    private static final AtomicInteger BUCKETS = new AtomicInteger();

    private final String owner;
    private DeployedService service;

    private S3Server(String owner) {
        this.owner = owner;
    }

    public static S3Server forClass(String owner) {
        return new S3Server(owner);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(Path.of("target", "it-s3"));
        service = DeployedService.start(
                "s3.sh", Files.createTempDirectory(dir, owner + "-").toAbsolutePath());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (service != null) {
            service.close();
        }
    }

    /** Settings for a bucket no test has used yet (the stores create it on connect). */
    public S3Config freshBucket() {
        return S3Config.of(
                URI.create(service.value("S3_ENDPOINT")),
                service.value("S3_ACCESS_KEY"),
                service.value("S3_SECRET_KEY"),
                owner + "-" + BUCKETS.incrementAndGet());
    }
}
