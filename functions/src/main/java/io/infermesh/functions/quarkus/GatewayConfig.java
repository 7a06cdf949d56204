package io.infermesh.functions.quarkus;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Gateway settings, all under {@code infermesh.gateway.*} (env: {@code INFERMESH_GATEWAY_*}). Checked at start-up. */
@ConfigMapping(prefix = "infermesh.gateway")
public interface GatewayConfig {
    /** The shared state: accounts, balances, keys, leases, receipts. {@code redis://host:port[/db]}. */
    @WithDefault("redis://127.0.0.1:6379")
    String redisUrl();

    /** Per-command Redis timeout. */
    @WithDefault("2s")
    Duration redisTimeout();

    Store store();

    Inference inference();

    RateLimit rateLimit();

    Faucet faucet();

    Workers workers();

    SignIn signIn();

    /** The model store (S3). Workers never get these credentials; they get presigned URLs. */
    interface Store {
        URI s3Endpoint();

        @WithDefault("")
        String s3AccessKey();

        @WithDefault("")
        String s3SecretKey();

        @WithDefault("infermesh")
        String s3Bucket();

        @WithDefault("us-east-1")
        String s3Region();

        /** Largest blob one upload may carry. */
        @WithDefault("8G")
        MemorySize maxBlobBytes();

        /** How long a tag resolution is trusted before the store is asked again (moves via another gateway). */
        @WithDefault("2s")
        Duration tagCacheTtl();

        /** Validity of the presigned blob URLs handed to workers for a load. */
        @WithDefault("15m")
        Duration presignValidity();
    }

    interface Inference {
        /** The whole call's deadline: retries, hedges and the cold-load wait included. */
        @WithDefault("30s")
        Duration timeout();

        /** How long a caller waits for a cold model to load before it gets 503 + Retry-After. */
        @WithDefault("10s")
        Duration coldLoadWait();

        /** Largest request body for the inference endpoints. */
        @WithDefault("16M")
        MemorySize maxRequestBytes();

        /**
         * How the router picks among a model's warm workers: {@code peak-ewma} (power of two choices over latency ×
         * load) or {@code round-robin} (in turn; the baseline the tail-latency benchmark compares against).
         */
        @WithDefault("peak-ewma")
        String balancer();

        /** Hedge a call after this quantile of the model's latency (0 = no hedging). */
        @WithDefault("0")
        double hedgeQuantile();

        /** In-flight calls per warm worker above which the model is loaded on one more worker. */
        @WithDefault("4")
        double scaleOutThreshold();

        /** A model no request used for this long on a worker is unloaded there (scale to zero). */
        @WithDefault("15m")
        Duration idleTtl();
    }

    /** Token bucket per API key over every authenticated call. */
    interface RateLimit {
        @WithDefault("200")
        long burst();

        @WithDefault("100")
        double perSecond();
    }

    /** Test credit for local deployments; never enable it where balances are real money. */
    interface Faucet {
        @WithDefault("false")
        boolean enabled();

        /** Most one faucet call may credit, in wei. */
        @WithDefault("1000000000000000000")
        String maxWei();
    }

    interface Workers {
        /** A worker lease lasts this long past its last heartbeat. */
        @WithDefault("10s")
        Duration leaseTtl();

        /** How often workers are told to heartbeat. */
        @WithDefault("2s")
        Duration heartbeatInterval();

        /** How old a signed pool/worker registration may be. */
        @WithDefault("5m")
        Duration signatureWindow();

        /** How often this gateway reads the registry into its routing set. */
        @WithDefault("1s")
        Duration refreshInterval();

        /**
         * This gateway's Ed25519 key for worker tokens: a properties file with {@code key-id}, {@code private} (base64
         * PKCS#8) and {@code public} (base64 X.509). Absent: a key is made
         * at start-up (fine for one gateway or for short-lived ones; every gateway announces its key in Redis).
         */
        Optional<Path> gatewayKeyFile();
    }

    /** Sign-In with Ethereum message fields. */
    interface SignIn {
        /** The domain the message names; the gateway's public host. */
        @WithDefault("localhost")
        String domain();

        @WithDefault("http://localhost")
        URI uri();

        @WithDefault("1")
        long chainId();

        /**
         * Token bucket per client address over {@code POST /v1/auth/challenge} and {@code /v1/auth/verify} (each takes
         * one token): those come before any API key, and each challenge is written to Redis. Behind a proxy, set
         * {@code quarkus.http.proxy.proxy-address-forwarding} so the address is the client's, not the proxy's.
         */
        @WithDefault("60")
        long burst();

        @WithDefault("1")
        double perSecond();
    }
}
