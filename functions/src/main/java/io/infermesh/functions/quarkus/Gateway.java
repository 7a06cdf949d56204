package io.infermesh.functions.quarkus;

import io.infermesh.functions.ApiKeys;
import io.infermesh.functions.GatewayKeys;
import io.infermesh.functions.Idempotency;
import io.infermesh.functions.Ledger;
import io.infermesh.functions.Namespaces;
import io.infermesh.functions.RateLimit;
import io.infermesh.functions.RateLimiter;
import io.infermesh.functions.Registry;
import io.infermesh.functions.RegistryPolicy;
import io.infermesh.functions.SignIn;
import io.infermesh.functions.SignInPolicy;
import io.infermesh.functions.inference.PaidInference;
import io.infermesh.functions.models.ModelCatalog;
import io.infermesh.functions.models.Publisher;
import io.infermesh.functions.redis.RedisApiKeys;
import io.infermesh.functions.redis.RedisGatewayKeys;
import io.infermesh.functions.redis.RedisIdempotency;
import io.infermesh.functions.redis.RedisLedger;
import io.infermesh.functions.redis.RedisNamespaces;
import io.infermesh.functions.redis.RedisRateLimiter;
import io.infermesh.functions.redis.RedisRegistry;
import io.infermesh.functions.redis.RedisSignIn;
import io.infermesh.functions.redis.RedisState;
import io.infermesh.functions.routing.LoadSpecs;
import io.infermesh.functions.routing.RegistrySync;
import io.infermesh.router.CallPolicy;
import io.infermesh.router.Hedging;
import io.infermesh.router.Ticker;
import io.infermesh.router.WorkerSet;
import io.infermesh.router.auth.TokenSigner;
import io.infermesh.router.auth.WorkerAuth;
import io.infermesh.router.balance.OutlierEjection;
import io.infermesh.router.balance.PeakEwmaBalancer;
import io.infermesh.router.cold.ColdLoadCoordinator;
import io.infermesh.router.grpc.GrpcRouter;
import io.infermesh.router.grpc.GrpcWorkerControl;
import io.infermesh.router.grpc.WorkerChannels;
import io.infermesh.router.retry.RetryBudget;
import io.infermesh.router.scale.DemandScaler;
import io.infermesh.router.scale.ScaleDecision;
import io.infermesh.router.spi.Scheduler;
import io.infermesh.store.BlobStore;
import io.infermesh.store.TagStore;
import io.infermesh.store.s3.S3BlobStore;
import io.infermesh.store.s3.S3Config;
import io.infermesh.store.s3.S3TagStore;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The gateway process: connects Redis and the store, builds the router over the registry, and runs the periodic jobs
 * (registry refresh, scaling decisions, expired-hold sweep, gateway-key announcement). Everything a resource needs is
 * read from here. Stateless apart from Redis and S3, so any number of gateways can run side by side.
 */
@Singleton
public class Gateway {
    private static final Logger LOG = Logger.getLogger(Gateway.class);
    /** A gateway key not announced for this long is no longer handed to workers. */
    static final Duration KEY_FRESHNESS = Duration.ofMinutes(10);

    @Inject
    GatewayConfig config;

    private RedisState redis;
    private Ledger ledger;
    private Idempotency idempotency;
    private ApiKeys apiKeys;
    private SignIn signIn;
    private RateLimiter clientLimits;
    private Registry registry;
    private GatewayKeys gatewayKeys;
    private BlobStore blobs;
    private ModelCatalog catalog;
    private Publisher publisher;
    private RegistrySync registrySync;
    private WorkerSet workers;
    private WorkerChannels channels;
    private GrpcRouter router;
    private DemandScaler scaler;
    private ColdLoadCoordinator cold;
    private GrpcWorkerControl control;
    private OutlierEjection ejection;
    private LoadSpecs loadSpecs;
    private PaidInference inference;
    private ScheduledExecutorService jobs;
    private ExecutorService tagRefresher;
    private String keyId;
    private String publicKey;

    void start(@Observes StartupEvent event) {
        redis = RedisState.connect(config.redisUrl(), config.redisTimeout());
        Clock clock = Clock.systemUTC();
        ledger = new RedisLedger(redis, Duration.ofDays(7));
        idempotency = new RedisIdempotency(
                redis, Duration.ofHours(24), config.inference().timeout().plusMinutes(1));
        apiKeys = new RedisApiKeys(redis, clock);
        GatewayConfig.SignIn s = config.signIn();
        signIn = new RedisSignIn(redis, apiKeys, SignInPolicy.defaults(s.domain(), s.uri(), s.chainId()), clock);
        clientLimits = new RedisRateLimiter(redis);
        registry = new RedisRegistry(
                redis,
                new RegistryPolicy(config.workers().leaseTtl(), config.workers().signatureWindow()),
                clock);
        gatewayKeys = new RedisGatewayKeys(redis);
        Namespaces namespaces = new RedisNamespaces(redis);

        GatewayConfig.Store st = config.store();
        S3Config s3 = S3Config.of(st.s3Endpoint(), st.s3AccessKey(), st.s3SecretKey(), st.s3Bucket());
        blobs = S3BlobStore.connect(s3);
        TagStore tags = S3TagStore.connect(s3);
        // Refresh-ahead reads of tags get their own virtual threads: one S3 round trip each, at most one per tag in
        // use at a time, and never in the way of the router's timers on the jobs pool.
        tagRefresher = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("tag-refresh-", 0).factory());
        catalog = new ModelCatalog(blobs, tags, st.tagCacheTtl(), System::nanoTime, tagRefresher);
        publisher = new Publisher(
                blobs, tags, namespaces, catalog, st.maxBlobBytes().asLongValue());

        jobs = Executors.newScheduledThreadPool(
                2, Thread.ofPlatform().daemon().name("gateway-jobs-", 0).factory());
        Scheduler scheduler = Scheduler.of(jobs);
        TokenSigner signer = tokenSigner(clock);
        workers = WorkerSet.create();
        registrySync = new RegistrySync(registry, workers);
        channels = WorkerChannels.plaintext(Optional.of(signer));
        ejection = new OutlierEjection(OutlierEjection.Options.DEFAULTS, Ticker.SYSTEM);
        PeakEwmaBalancer balancer = new PeakEwmaBalancer(
                PeakEwmaBalancer.Options.DEFAULTS,
                choice(config.inference().balancer()),
                Ticker.SYSTEM,
                new SecureRandom(),
                ejection);
        control = new GrpcWorkerControl(channels, Duration.ofMinutes(5));
        ColdLoadCoordinator.Options coldDefaults = ColdLoadCoordinator.Options.DEFAULTS;
        cold = new ColdLoadCoordinator(
                new ColdLoadCoordinator.Options(
                        config.inference().coldLoadWait(),
                        coldDefaults.failedWorkerCooldown(),
                        coldDefaults.defaultLoadTime(),
                        coldDefaults.noCapacityRetryAfter()),
                workers,
                ejection,
                control,
                scheduler,
                Ticker.SYSTEM);
        DemandScaler.Options scaleDefaults = DemandScaler.Options.DEFAULTS;
        scaler = new DemandScaler(
                new DemandScaler.Options(
                        config.inference().scaleOutThreshold(),
                        scaleDefaults.sustain(),
                        scaleDefaults.cooldown(),
                        config.inference().idleTtl()),
                Ticker.SYSTEM);
        router = new GrpcRouter(
                workers,
                balancer,
                cold,
                scaler,
                channels,
                RetryBudget.defaults(),
                scheduler,
                GrpcRouter.Options.DEFAULTS);
        loadSpecs = new LoadSpecs(blobs, st.presignValidity(), System::nanoTime);
        double q = config.inference().hedgeQuantile();
        CallPolicy policy = CallPolicy.idempotent(config.inference().timeout());
        if (q > 0) {
            policy = policy.withHedging(new Hedging.AtQuantile(q, Duration.ofMillis(500)));
        }
        inference = new PaidInference(
                ledger,
                idempotency,
                registrySync,
                loadSpecs,
                router,
                policy,
                config.inference().timeout().plusMinutes(2));

        gatewayKeys.announce(keyId, publicKey);
        registrySync.refresh();
        long refresh = config.workers().refreshInterval().toMillis();
        jobs.scheduleWithFixedDelay(
                guarded("registry refresh", registrySync::refresh), refresh, refresh, TimeUnit.MILLISECONDS);
        jobs.scheduleWithFixedDelay(guarded("scaling", this::scale), 1, 1, TimeUnit.SECONDS);
        jobs.scheduleWithFixedDelay(guarded("hold sweep", () -> ledger.releaseExpired(1000)), 5, 5, TimeUnit.SECONDS);
        jobs.scheduleWithFixedDelay(
                guarded("key announcement", () -> gatewayKeys.announce(keyId, publicKey)), 60, 60, TimeUnit.SECONDS);
        LOG.infof(
                "gateway ready: redis %s, store %s/%s, gateway key %s, %d live worker(s)",
                config.redisUrl(), st.s3Endpoint(), st.s3Bucket(), keyId, registrySync.liveWorkers());
    }

    void stop(@Observes ShutdownEvent event) {
        if (jobs != null) {
            jobs.shutdownNow();
        }
        if (tagRefresher != null) {
            tagRefresher.shutdownNow();
        }
        if (channels != null) {
            channels.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private void scale() {
        for (ScaleDecision d : scaler.evaluate(workers)) {
            switch (d) {
                case ScaleDecision.LoadOnOneMore more -> {
                    // The scaler's model key is a manifest CID; the spec comes from the catalog's cached manifest.
                    io.infermesh.store.cid.Cid cid = io.infermesh.store.cid.Cid.parse(more.model());
                    cold.loadOnOneMore(loadSpecs.specFor(cid, catalog.manifest(cid)))
                            .ifPresent(w -> LOG.infof(
                                    "model %s: %.1f in flight per worker, loading it on %s too",
                                    more.model(), more.inflightPerWorker(), w.id()));
                }
                case ScaleDecision.Unload unload ->
                    workers.get(unload.worker())
                            .ifPresent(w -> control.unload(w, unload.model()).whenComplete((ok, e) -> {
                                if (e == null) {
                                    workers.markCold(w.id(), unload.model());
                                    LOG.infof("model %s idle on %s: unloaded", unload.model(), w.id());
                                } else {
                                    LOG.warnf(
                                            "unloading idle model %s from %s failed: %s",
                                            unload.model(), w.id(), e.getMessage());
                                }
                            }));
            }
        }
    }

    private TokenSigner tokenSigner(Clock clock) {
        PrivateKey key;
        if (config.workers().gatewayKeyFile().isPresent()) {
            Properties p = new Properties();
            try (Reader in =
                    Files.newBufferedReader(config.workers().gatewayKeyFile().get())) {
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read infermesh.gateway.workers.gateway-key-file", e);
            }
            keyId = p.getProperty("key-id");
            String priv = p.getProperty("private");
            publicKey = p.getProperty("public");
            if (keyId == null || priv == null || publicKey == null) {
                throw new IllegalArgumentException("infermesh.gateway.workers.gateway-key-file must set key-id,"
                        + " private (base64 PKCS#8 Ed25519) and public (base64 X.509)");
            }
            key = WorkerAuth.privateKey(priv);
            WorkerAuth.publicKey(publicKey); // fails fast on a malformed public key
        } else {
            KeyPair pair = WorkerAuth.generateKeyPair();
            byte[] id = new byte[6];
            new SecureRandom().nextBytes(id);
            keyId = "gw-" + HexFormat.of().formatHex(id);
            key = pair.getPrivate();
            publicKey = WorkerAuth.encode(pair.getPublic());
        }
        return new TokenSigner(keyId, key, Duration.ofMinutes(5), clock);
    }

    private static PeakEwmaBalancer.Choice choice(String balancer) {
        return switch (balancer) {
            case "peak-ewma" -> PeakEwmaBalancer.Choice.TWO_RANDOM_BY_COST;
            case "round-robin" -> PeakEwmaBalancer.Choice.ROUND_ROBIN;
            default ->
                throw new IllegalStateException("infermesh.gateway.inference.balancer must be peak-ewma or round-robin,"
                        + " not '" + balancer + "'");
        };
    }

    private static Runnable guarded(String what, Runnable job) {
        return () -> {
            try {
                job.run();
            } catch (RuntimeException e) {
                LOG.warnf("%s failed: %s", what, e.toString());
            }
        };
    }

    public Ledger ledger() {
        return ledger;
    }

    public Idempotency idempotency() {
        return idempotency;
    }

    public RateLimit rateLimit() {
        return new RateLimit(config.rateLimit().burst(), config.rateLimit().perSecond());
    }

    public ApiKeys apiKeys() {
        return apiKeys;
    }

    public SignIn signIn() {
        return signIn;
    }

    /** Buckets for requests that come before any API key (sign-in), by client address. */
    public RateLimiter clientLimits() {
        return clientLimits;
    }

    /** The bucket of each client address over sign-in's two requests. */
    public RateLimit signInLimit() {
        return new RateLimit(config.signIn().burst(), config.signIn().perSecond());
    }

    public Registry registry() {
        return registry;
    }

    public ModelCatalog catalog() {
        return catalog;
    }

    public Publisher publisher() {
        return publisher;
    }

    public BlobStore blobs() {
        return blobs;
    }

    public PaidInference inference() {
        return inference;
    }

    public RegistrySync registrySync() {
        return registrySync;
    }

    public WorkerSet workers() {
        return workers;
    }

    public GatewayConfig config() {
        return config;
    }

    /** Whether the router has taken {@code worker} out of rotation after repeated failures. */
    public boolean isEjected(io.infermesh.router.WorkerId worker) {
        return !ejection.admits(worker);
    }

    /** The gateway keys workers must trust, as handed out in leases. */
    public Map<String, String> gatewayKeys() {
        return gatewayKeys.current(KEY_FRESHNESS);
    }

    /** Whether Redis answers; the store is checked by the readiness probe separately. */
    public boolean redisReachable() {
        try {
            ledger.balance(io.infermesh.store.manifest.EthAddress.of("0x0000000000000000000000000000000000000000"));
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
