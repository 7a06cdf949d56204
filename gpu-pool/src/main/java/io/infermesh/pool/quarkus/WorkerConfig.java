package io.infermesh.pool.quarkus;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Worker settings, all under {@code infermesh.pool.*} (env: {@code INFERMESH_POOL_*}). Checked at start-up. */
@ConfigMapping(prefix = "infermesh.pool")
public interface WorkerConfig {
    /** Where verified blobs and model folders are kept between loads. */
    @WithDefault("${java.io.tmpdir}/infermesh-pool")
    Path cacheDir();

    /** Memory all loaded models may use together; idle models are evicted (LRU) to make room. */
    @WithDefault("4G")
    MemorySize memoryBudget();

    /** Largest tensor payload one request may carry; larger ones are refused with INVALID_ARGUMENT. */
    @WithDefault("64M")
    MemorySize maxRequestBytes();

    /**
     * {@code djl}: run models in-process (ONNX Runtime for ONNX, libtorch for TorchScript); {@code triton}: forward to
     * an upstream server.
     */
    @WithDefault("djl")
    String backend();

    /**
     * Models to load at start-up from the configured store, as {@code name=manifestCid} entries (comma-separated in
     * one property). The worker reports ready only once they are all loaded.
     */
    Optional<List<String>> preload();

    Batching batching();

    Onnx onnx();

    Pytorch pytorch();

    Triton triton();

    Store store();

    Benchmark benchmark();

    Auth auth();

    Gateway gateway();

    Fault fault();

    /** Deliberate faults for experiments; all off by default. */
    interface Fault {
        /**
         * Every model on this worker runs this many times slower, like a slower device (see {@code SlowedBackend});
         * 1 = normal speed. The router's tail-latency benchmark slows one of three workers 10×.
         */
        @WithDefault("1")
        double slowdown();
    }

    /** Dynamic batching defaults for every model. */
    interface Batching {
        /** Off: every request runs alone (still queued, bounded, with deadlines). */
        @WithDefault("true")
        boolean enabled();

        @WithDefault("32")
        int maxBatchSize();

        @WithDefault("2ms")
        Duration maxQueueDelay();

        @WithDefault("256")
        int queueCapacity();

        /** Executions of one model that may run at once. */
        @WithDefault("2")
        int instances();
    }

    /** ONNX Runtime session threads (0 = ONNX Runtime's default). */
    interface Onnx {
        @WithDefault("1")
        int intraOpThreads();

        @WithDefault("1")
        int interOpThreads();
    }

    /**
     * libtorch threads for TorchScript models (0 = libtorch's default: one per core). libtorch's pools are
     * process-wide and sized once, when the first TorchScript model loads (that is also when PyTorch starts at all).
     */
    interface Pytorch {
        @WithDefault("1")
        int intraOpThreads();

        @WithDefault("1")
        int interOpThreads();
    }

    /** The upstream server in {@code triton} mode. */
    interface Triton {
        /** host:port of the upstream's gRPC endpoint. */
        Optional<String> target();

        @WithDefault("30s")
        Duration loadTimeout();
    }

    /** A model store this worker may read directly (an operator's own pool); third-party pools leave it unset. */
    interface Store {
        Optional<URI> s3Endpoint();

        Optional<String> s3AccessKey();

        Optional<String> s3SecretKey();

        @WithDefault("infermesh")
        String s3Bucket();
    }

    /** The start-up benchmark that yields the capability score. */
    interface Benchmark {
        @WithDefault("true")
        boolean enabled();

        @WithDefault("1s")
        Duration duration();
    }

    /**
     * Who may call the gRPC port: with gateway keys set, only callers presenting a token signed by one of them for this
     * worker's id ({@code authorization: Bearer v1.<kid>.<worker>.<exp>.<sig>}, Ed25519); without, anyone who can
     * reach the port (keep it on loopback then).
     */
    interface Auth {
        /**
         * This worker's id as the gateway knows it: 1-128 of {@code [A-Za-z0-9._:/-]}, starting with a letter or digit.
         * Required with gateway keys; with a gateway URL it defaults to {@code <host name>:<gRPC port>} (stable across
         * restarts on one machine, different for two workers on different ports).
         */
        Optional<String> workerId();

        /** Trusted gateway public keys, {@code kid=base64 X.509 Ed25519}. */
        Optional<List<String>> gatewayKeys();

        /** Clock difference tolerated between gateway and worker. */
        @WithDefault("30s")
        Duration clockSkew();
    }

    /**
     * Self-registration with a gateway ({@code POST /v1/workers}, then heartbeats). Without a URL the worker does not
     * register and runs standalone. With one, the worker registers once it is ready (benchmark, warm-up and preloads
     * done), renews its lease with heartbeats carrying its in-flight calls, loaded models, free memory and capability
     * score, re-registers when the gateway has forgotten it, and keeps serving with backoff while the gateway is down;
     * the gateway's token keys from each answer are trusted for gRPC calls (besides {@code auth.gateway-keys}).
     */
    interface Gateway {
        /** The gateway's root URL, {@code http(s)://host[:port][/prefix]}; unset: no registration. */
        Optional<URI> url();

        /**
         * The pool's Ethereum private key file (64 hex digits, optionally {@code 0x}-prefixed; {@code infermesh key
         * new} writes one); it signs the registration. Required with a URL.
         */
        Optional<Path> poolKeyFile();

        /**
         * {@code host:port} the gateway dials to reach this worker's gRPC endpoint. Default {@code
         * 127.0.0.1:<quarkus.grpc.server.port>}, right only when the gateway runs on the same machine.
         */
        Optional<String> advertiseTarget();

        /** Heartbeat interval when the gateway's answer does not say ({@code heartbeatSeconds} wins). */
        @WithDefault("2s")
        Duration heartbeatInterval();

        /** Deadline of one registration or heartbeat call, connecting included. */
        @WithDefault("5s")
        Duration callTimeout();
    }
}
