package io.infermesh.functions.inference;

import io.grpc.Status;
import io.infermesh.functions.CommitOutcome;
import io.infermesh.functions.Hold;
import io.infermesh.functions.Idempotency;
import io.infermesh.functions.IdempotencyClaim;
import io.infermesh.functions.IdempotencyCompletion;
import io.infermesh.functions.IdempotencyKey;
import io.infermesh.functions.Ledger;
import io.infermesh.functions.PoolRegistration;
import io.infermesh.functions.ReceiptDraft;
import io.infermesh.functions.ReceiptId;
import io.infermesh.functions.ReleaseOutcome;
import io.infermesh.functions.RequestId;
import io.infermesh.functions.Reservation;
import io.infermesh.functions.StoredResponse;
import io.infermesh.functions.api.ProblemException;
import io.infermesh.functions.models.ModelCatalog.Resolved;
import io.infermesh.functions.redis.Sha256;
import io.infermesh.functions.routing.LoadSpecs;
import io.infermesh.functions.routing.RegistrySync;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.openapi.inference.ModelInferResponse;
import io.infermesh.router.CallPolicy;
import io.infermesh.router.InferOutcome;
import io.infermesh.router.ModelLoadSpec;
import io.infermesh.router.Shed;
import io.infermesh.router.grpc.GrpcRouter;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Flow 3 "Infer" with its money path, the same for every protocol (OpenAI embeddings, KServe v2 JSON and binary):
 *
 * <ol>
 *   <li>{@code Idempotency-Key}, when given, is claimed first: a replay returns the stored first answer and charges
 *       nothing; a duplicate still running gets 409; the same key with another body gets 422.
 *   <li>The model is resolved (tag → manifest) and the call's upper price reserved in one Redis script: the model's
 *       price plus the highest price any live pool asks for it. Not enough balance → 402 {@code
 *       insufficient_balance}, nothing held.
 *   <li>The router runs the call (warm worker, retries, hedging, cold load) under the request deadline. For an
 *       account this gateway last saw holding at least 16 times the price, the call to a warm worker leaves before the
 *       reserve script and the two overlap ({@link KnownBalances}); the answer is used only once the hold exists, and
 *       dropped with a 402 if it does not. Likewise the caller's key: its authorization was sent when the request
 *       arrived, and a key this gateway recently saw allowed is not waited for before the hold and the call ({@link
 *       Caller}); a refusal (401, 429) releases the hold and drops the answer.
 *   <li>Served: the answer is rendered first, then the hold becomes a receipt charging the model's price plus the
 *       serving pool's price (the rest returns to the balance), in one script. Anything else: the hold is released in
 *       one script and the caller gets a problem; nothing is charged.
 * </ol>
 *
 * With an {@code Idempotency-Key}, the commit script also stores the answer under the key (one atomic step), so a
 * caller who was charged always finds the answer on retry: there is no window in which a failure leaves the charge
 * without the stored answer and a retry runs (and charges) again. When the commit took effect but its reply was lost,
 * the release that follows finds the receipt and the caller gets the answer it paid for instead of an error.
 *
 * <p>No path leaves a hold behind: a gateway that dies between reserve and commit leaves a hold that expires ({@code
 * holdTtl}, longer than any call) and the sweeper returns it. Settlement splits each receipt by its manifest: the
 * manifest's price goes to the model, the rest to the receipt's payout address.
 *
 * <p>Thread-safe. {@link #run} blocks its (virtual) thread on Redis and on the router's future.
 */
public final class PaidInference {
    private static final Logger LOG = Logger.getLogger(PaidInference.class);

    private final Ledger ledger;
    private final Idempotency idempotency;
    private final RegistrySync registry;
    private final LoadSpecs loadSpecs;
    private final GrpcRouter router;
    private final CallPolicy policy;
    private final Duration holdTtl;
    private final KnownBalances balances = new KnownBalances(10_000, 16);

    public PaidInference(
            Ledger ledger,
            Idempotency idempotency,
            RegistrySync registry,
            LoadSpecs loadSpecs,
            GrpcRouter router,
            CallPolicy policy,
            Duration holdTtl) {
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.idempotency = Objects.requireNonNull(idempotency, "idempotency");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.loadSpecs = Objects.requireNonNull(loadSpecs, "loadSpecs");
        this.router = Objects.requireNonNull(router, "router");
        this.policy = Objects.requireNonNull(policy, "policy");
        if (holdTtl.compareTo(policy.timeout()) <= 0) {
            throw new IllegalArgumentException("the hold ttl must outlast the call timeout " + policy.timeout());
        }
        this.holdTtl = holdTtl;
    }

    /**
     * One paid call.
     *
     * @param caller who pays; with an Idempotency-Key its authorization is awaited first, otherwise while the hold is
     *     placed (see {@link Caller})
     * @param requestId the request's id (becomes the hold's and the receipt's key)
     * @param key the caller's Idempotency-Key, if any
     * @param fingerprint what makes two requests "the same" for idempotency: method, path and body
     * @param model resolves the model the caller named (tag or exact version); called after the idempotency claim
     * @param toWorker builds the worker request for the resolved model (model name and version already chosen)
     * @param render renders the worker's answer as the response body and its content headers; a {@link
     *     ProblemException} from it means the answer is unusable and the call is not charged
     * @param phases marks this call's phases for {@code Server-Timing}: {@code idempotency}, {@code resolve}, {@code
     *     reserve}, {@code infer} (the router and the worker), {@code render}, {@code commit} (with the idempotency
     *     record, when there is a key)
     */
    public Answer run(
            Caller caller,
            RequestId requestId,
            Optional<IdempotencyKey> key,
            byte[] fingerprint,
            Supplier<Resolved> model,
            Function<Target, ModelInferRequest> toWorker,
            BiFunction<Resolved, ModelInferResponse, Rendered> render,
            Phases phases) {
        if (key.isEmpty()) {
            return charge(caller, requestId, Optional.empty(), model, toWorker, render, phases);
        }
        EthAddress account = caller.confirm().account();
        IdempotencyClaim claim = idempotency.claim(account, key.get(), Sha256.hex(fingerprint));
        phases.mark("idempotency");
        return switch (claim) {
            case IdempotencyClaim.Replay r -> Answer.replay(r.response());
            case IdempotencyClaim.InProgress p ->
                throw new ProblemException(
                        409,
                        "idempotency_in_progress",
                        "a request with this Idempotency-Key is still running; retry after it finishes");
            case IdempotencyClaim.Conflict c ->
                throw new ProblemException(
                        422,
                        "idempotency_key_reused",
                        "this Idempotency-Key was used for a different request; use a new key for a new request");
            case IdempotencyClaim.Claimed claimed -> {
                try {
                    // the commit completes the claim with the answer in the same script
                    yield charge(
                            caller,
                            requestId,
                            Optional.of(new Claim(key.get(), claimed.token())),
                            model,
                            toWorker,
                            render,
                            phases);
                } catch (RuntimeException e) {
                    // a no-op when the commit took effect and only its reply was lost: the record is done
                    try {
                        idempotency.abandon(account, key.get(), claimed.token());
                    } catch (RuntimeException abandonFailed) {
                        e.addSuppressed(abandonFailed);
                    }
                    throw e;
                }
            }
        };
    }

    /** The worker-side name and version of the model a request runs on. */
    public record Target(String model, String version, Resolved resolved) {}

    /** The caller's claimed Idempotency-Key. */
    private record Claim(IdempotencyKey key, String token) {}

    private Answer charge(
            Caller caller,
            RequestId requestId,
            Optional<Claim> claim,
            Supplier<Resolved> resolver,
            Function<Target, ModelInferRequest> toWorker,
            BiFunction<Resolved, ModelInferResponse, Rendered> render,
            Phases phases) {
        Resolved model = resolver.get();
        String repository = model.ref().repository();
        String key = LoadSpecs.modelKey(model.manifestCid());
        ModelInferRequest request = toWorker.apply(new Target(key, key, model));
        Wei modelPrice = model.manifest().pricePerRequest();
        Wei ceiling = new Wei(
                modelPrice.amount().add(registry.maxPoolPrice(repository).amount()));
        phases.mark("resolve");
        Optional<ModelLoadSpec> coldLoad = Optional.of(loadSpecs.specFor(model.manifestCid(), model.manifest()));
        // Speculative dispatch: an account known to hold many times this price sends the call before its hold is
        // placed, so the reserve round trip overlaps the worker instead of preceding it. Nothing is charged or
        // answered until the hold exists; an account that turns out short gets 402 and the answer is dropped. Only
        // warm workers are tried this way (no cold load for a call that may not be paid for).
        EthAddress account = caller.account();
        CompletableFuture<InferOutcome> speculative =
                balances.covers(account, ceiling) ? router.infer(request, policy, Optional.empty()) : null;
        Reservation reservation = null;
        try {
            reservation = ledger.reserve(account, requestId, ceiling, holdTtl);
            // a presumed key's authorization went out before the reserve: its answer is in, or about to be
            caller.confirm();
        } catch (RuntimeException e) {
            cancel(speculative);
            if (reservation instanceof Reservation.Reserved) {
                releaseAfterRefusal(requestId, e);
            }
            throw e;
        }
        balances.saw(account, reservation);
        phases.mark("reserve");
        Hold hold =
                switch (reservation) {
                    case Reservation.Reserved r -> r.hold();
                    case Reservation.Insufficient(Wei balance, Wei price) -> {
                        cancel(speculative);
                        throw new ProblemException(
                                402,
                                "insufficient_balance",
                                "this call costs up to " + price + " wei and the balance is " + balance
                                        + " wei; add credit (deposit, or POST /v1/faucet on a local gateway)",
                                Map.of("balanceWei", balance.toString(), "priceWei", price.toString()),
                                Optional.empty());
                    }
                };
        InferOutcome outcome;
        Rendered body = null;
        Wei price = null;
        try {
            outcome = speculative == null ? null : speculative.join();
            if (outcome == null || outcome instanceof Shed s && s.reason() == Shed.Reason.NO_WARM_WORKER) {
                outcome = router.infer(request, policy, coldLoad).join();
            }
            phases.mark("infer");
            if (!(outcome instanceof InferOutcome.Served served)) {
                throw problem(outcome);
            }
            body = render.apply(model, served.response());
            phases.mark("render");
            PoolRegistration pool = registry.poolOf(served.worker())
                    .orElseThrow(() -> new ProblemException(
                            503,
                            "no_workers",
                            "the worker that answered left the registry before the call could be billed; retry",
                            Map.of(),
                            Optional.of(Duration.ofSeconds(1))));
            price = new Wei(modelPrice.amount().add(pool.priceFor(repository).amount()));
            if (price.amount().compareTo(ceiling.amount()) > 0) {
                price = ceiling; // the pool raised its price after the hold: the caller pays what was held, no more
            }
            Rendered answered = body;
            CommitOutcome committed = ledger.commit(
                    hold,
                    new ReceiptDraft(
                            repository, model.manifestCid(), served.worker().value(), pool.payout(), price),
                    claim.map(c -> new IdempotencyCompletion(
                            account,
                            c.key(),
                            c.token(),
                            Answer.served(answered, Wei.ZERO, Optional.empty()).stored(),
                            idempotency.replayWindow())));
            phases.mark("commit");
            return switch (committed) {
                case CommitOutcome.Committed c -> Answer.served(body, c.charged(), Optional.of(c.receiptId()));
                case CommitOutcome.AlreadyReleased r -> {
                    LOG.warnf(
                            "request %s: the hold expired before the call finished; served without charge", requestId);
                    yield Answer.served(body, Wei.ZERO, Optional.empty());
                }
                case CommitOutcome.UnknownHold u -> {
                    // holds are soft state (RedisLedger): Redis restarted while the worker ran
                    LOG.warnf("request %s: the hold was lost before the commit (Redis restarted?)", requestId);
                    throw new ProblemException(
                            503,
                            "no_capacity",
                            "the hold on your balance for this call was lost when the gateway's state store"
                                    + " restarted; nothing was charged; retry",
                            Map.of(),
                            Optional.of(Duration.ofSeconds(1)));
                }
            };
        } catch (RuntimeException e) {
            ReleaseOutcome released;
            try {
                released = ledger.release(requestId);
            } catch (RuntimeException releaseFailed) {
                e.addSuppressed(releaseFailed);
                throw e;
            }
            if (released instanceof ReleaseOutcome.AlreadyCommitted(ReceiptId receipt)
                    && body != null
                    && price != null) {
                // the commit took effect and only its reply was lost (e.g. Redis failed over): the caller paid, so
                // the caller gets the answer, exactly as the receipt says
                LOG.warnf(
                        e, "request %s: the commit's reply was lost but it took effect; serving the answer", requestId);
                return Answer.served(body, price, Optional.of(receipt));
            }
            throw e;
        }
    }

    /** Returns the hold of a call whose presumed key was refused; a failure to do so is left to the hold's expiry. */
    private void releaseAfterRefusal(RequestId requestId, RuntimeException refusal) {
        try {
            ledger.release(requestId);
        } catch (RuntimeException releaseFailed) {
            refusal.addSuppressed(releaseFailed);
        }
    }

    private static void cancel(CompletableFuture<InferOutcome> call) {
        if (call != null) {
            call.cancel(false); // the worker may still finish it; its answer is dropped, nothing is charged
        }
    }

    private static ProblemException problem(InferOutcome outcome) {
        return switch (outcome) {
            case Shed s -> {
                String code =
                        switch (s.reason()) {
                            case COLD_LOAD_PENDING -> "model_loading";
                            case NO_CAPACITY -> "no_capacity";
                            case COLD_LOAD_FAILED, WORKERS_UNAVAILABLE -> "no_capacity";
                            case NO_WARM_WORKER -> "no_workers";
                        };
                String detail =
                        switch (s.reason()) {
                            case COLD_LOAD_PENDING ->
                                "the model is being loaded onto a worker; retry after the"
                                        + " Retry-After delay (nothing was charged)";
                            case COLD_LOAD_FAILED ->
                                "loading the model on a worker failed; another worker will be"
                                        + " tried on the next call (nothing was charged)";
                            case NO_CAPACITY -> "no live worker has room for this model now (nothing was charged)";
                            case WORKERS_UNAVAILABLE -> "every worker tried was unavailable (nothing was charged)";
                            case NO_WARM_WORKER -> "no worker serves this model now (nothing was charged)";
                        };
                yield new ProblemException(
                        503, code, detail, Map.of(), Optional.of(Duration.ofSeconds(s.retryAfterSeconds())));
            }
            case InferOutcome.TimedOut t ->
                new ProblemException(
                        504,
                        "deadline_exceeded",
                        "the call did not finish within its deadline after " + t.attempts()
                                + " attempt(s); nothing was charged");
            case InferOutcome.WorkerError w -> workerProblem(w.status());
            case InferOutcome.Served s -> throw new IllegalArgumentException("served is not a problem");
        };
    }

    /** A worker's refusal, passed on with the worker's own description (it names the tensor or limit at fault). */
    private static ProblemException workerProblem(Status status) {
        String detail = Optional.ofNullable(status.getDescription())
                .orElse(status.getCode().toString());
        return switch (status.getCode()) {
            case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION ->
                new ProblemException(422, "invalid_tensor", detail);
            case NOT_FOUND ->
                new ProblemException(
                        503,
                        "model_loading",
                        "the worker no longer holds the model; retry",
                        Map.of(),
                        Optional.of(Duration.ofSeconds(1)));
            case RESOURCE_EXHAUSTED ->
                new ProblemException(
                        503,
                        "no_capacity",
                        "the workers' queues are full: " + detail,
                        Map.of(),
                        Optional.of(Duration.ofSeconds(1)));
            case DEADLINE_EXCEEDED -> new ProblemException(504, "deadline_exceeded", detail);
            default -> new ProblemException(502, "worker_error", "the worker failed: " + detail);
        };
    }

    /**
     * A rendered answer.
     *
     * @param body the response body
     * @param headers the headers that describe the body, names as sent: always {@value #CONTENT_TYPE}, plus any the
     *     protocol needs to read it (they are stored and replayed with the body)
     */
    public record Rendered(byte[] body, Map<String, String> headers) {
        public static final String CONTENT_TYPE = "Content-Type";

        public Rendered {
            headers = Map.copyOf(headers);
            if (!headers.containsKey(CONTENT_TYPE)) {
                throw new IllegalArgumentException("a rendered answer needs a " + CONTENT_TYPE + "; got " + headers);
            }
        }

        /** A JSON body. */
        public static Rendered json(byte[] body) {
            return new Rendered(body, Map.of(CONTENT_TYPE, "application/json"));
        }

        /** A KServe binary-data body: {@code jsonLength} bytes of JSON, then tensor bytes ({@link KserveBinary}). */
        public static Rendered binary(byte[] body, int jsonLength) {
            return new Rendered(
                    body,
                    Map.of(
                            CONTENT_TYPE,
                            "application/octet-stream",
                            KserveBinary.HEADER_LENGTH,
                            Integer.toString(jsonLength)));
        }

        /** The body's media type. */
        public String contentType() {
            return headers.get(CONTENT_TYPE);
        }
    }

    /**
     * What the caller gets.
     *
     * @param body the response body
     * @param headers the body's headers ({@link Rendered#headers()})
     * @param charged what the call cost, in wei
     * @param receipt the receipt, when it was charged
     * @param replayed whether this is the stored answer of an earlier call with the same Idempotency-Key
     */
    public record Answer(
            byte[] body, Map<String, String> headers, Wei charged, Optional<ReceiptId> receipt, boolean replayed) {
        static Answer served(Rendered rendered, Wei charged, Optional<ReceiptId> receipt) {
            return new Answer(rendered.body(), rendered.headers(), charged, receipt, false);
        }

        static Answer replay(StoredResponse stored) {
            return new Answer(stored.body(), stored.headers(), stored.charged(), stored.receiptId(), true);
        }

        StoredResponse stored() {
            return new StoredResponse(200, headers, body, charged, receipt);
        }
    }
}
