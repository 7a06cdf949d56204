package io.infermesh.router.grpc;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.infermesh.openapi.inference.GRPCInferenceServiceGrpc;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.openapi.inference.ModelInferResponse;
import io.infermesh.router.CallPolicy;
import io.infermesh.router.InferOutcome;
import io.infermesh.router.Shed;
import io.infermesh.router.WorkerId;
import io.infermesh.router.WorkerInfo;
import io.infermesh.router.balance.Feedback;
import io.infermesh.router.balance.PeakEwmaBalancer;
import io.infermesh.router.spi.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One request's attempts: the first call, retries on other workers, at most one hedge. A small state machine under
 * this object's monitor; gRPC callbacks and the hedge timer drive it; nothing blocks.
 *
 * <ul>
 *   <li>Every attempt runs under the request's one deadline.
 *   <li>An attempt's end is judged by {@link StatusPolicy}; its {@link Feedback} goes to the balancer (and through
 *       it to outlier ejection) exactly once.
 *   <li>Retry: after RETRY (idempotent requests only) or STALE_ROUTE, when no other attempt is in flight, on a worker
 *       not tried yet for this request — or, when all were, any but the one whose attempt just ended (never the same
 *       twice in a row) — while attempts &lt; max, the deadline has at least {@code minAttemptBudget} left, and the
 *       retry budget pays.
 *   <li>Hedge: when the delay passes with the first attempt still in flight (idempotent requests only), one more
 *       attempt on an untried worker last measured within the delay ({@code PeakEwmaBalancer.chooseWithin}; none
 *       such, no hedge), while attempts &lt; max and the deadline has at least {@code minAttemptBudget} left, paid
 *       from the retry budget. The first answer ends the request; the other attempt is cancelled and reported
 *       ABANDONED.
 *   <li>A worker whose address gRPC cannot dial (a channel cannot even be made) ends its attempt at once as
 *       UNAVAILABLE, like a refused connection.
 *   <li>Probe: when the balancer's pick comes with a worker to measure ({@code PeakEwmaBalancer.Pick.probe}), that
 *       worker gets a copy of the request when the first attempt leaves, paid from the retry budget (none left, no
 *       copy). The copy is not an attempt: its answer is never returned, it is not cancelled when the request ends (it
 *       runs to its answer or the deadline, so its latency is measured), and it only feeds the balancer its
 *       {@link Feedback} (and a stale route marks the model cold there).
 * </ul>
 */
final class InferenceCall {
    private final GrpcRouter router;
    private final ModelInferRequest request;
    private final String model;
    private final CallPolicy policy;
    private final Deadline deadline;
    private final CompletableFuture<InferOutcome> result = new CompletableFuture<>();

    // Guarded by this.
    private final List<Run> inflight = new ArrayList<>(2);
    private final Set<WorkerId> tried = new HashSet<>();
    private int attempts;
    private boolean hedged;
    private boolean done;
    private Scheduler.Cancellable hedgeTimer;
    private Optional<WorkerId> lastWorker = Optional.empty();

    InferenceCall(GrpcRouter router, ModelInferRequest request, CallPolicy policy, Deadline deadline) {
        this.router = router;
        this.request = request;
        this.model = request.getModelName();
        this.policy = policy;
        this.deadline = deadline;
    }

    /**
     * @param probe a worker to send a copy to, for its latency only (ignored unless the request is idempotent)
     */
    CompletableFuture<InferOutcome> start(WorkerInfo first, Optional<WorkerInfo> probe) {
        Optional<Duration> hedgeDelay =
                policy.idempotent() ? router.hedgeDelay(model, policy.hedging()) : Optional.empty();
        synchronized (this) {
            launch(first);
            if (!done) {
                hedgeDelay.ifPresent(d -> hedgeTimer = router.scheduler().schedule(d, () -> hedge(d)));
            }
        }
        if (probe.isPresent() && policy.idempotent() && router.retryBudget().tryWithdraw()) {
            probe(probe.get());
        }
        return result;
    }

    /** Sends {@code worker} a copy of the request whose answer only measures it. */
    private void probe(WorkerInfo worker) {
        PeakEwmaBalancer.Attempt attempt = router.balancer().begin(worker.id());
        ClientCall<ModelInferRequest, ModelInferResponse> call;
        try {
            call = newCall(worker);
        } catch (RuntimeException e) {
            attempt.finish(Feedback.FAILURE); // cannot be dialled (see launch)
            return;
        }
        ClientCalls.asyncUnaryCall(call, request, new StreamObserver<>() {
            @Override
            public void onNext(ModelInferResponse value) {}

            @Override
            public void onError(Throwable t) {
                measured(Status.fromThrowable(t), trailersOf(t));
            }

            @Override
            public void onCompleted() {
                measured(Status.OK, new Metadata());
            }

            private void measured(Status status, Metadata trailers) {
                StatusPolicy.Verdict verdict = StatusPolicy.judge(status, trailers);
                attempt.finish(verdict.feedback());
                if (verdict.action() == StatusPolicy.Action.STALE_ROUTE) {
                    router.workers().markCold(worker.id(), model);
                }
            }
        });
    }

    /** After {@code delay} without an answer: a second attempt, on a worker last measured faster than that. */
    private void hedge(Duration delay) {
        synchronized (this) {
            if (done
                    || hedged
                    || inflight.size() != 1
                    || attempts >= router.options().maxAttempts()
                    || deadline.timeRemaining(TimeUnit.NANOSECONDS)
                            < router.options().minAttemptBudget().toNanos()) {
                return;
            }
            Optional<WorkerInfo> next =
                    router.balancer().chooseWithin(router.workers().warm(model), tried, delay);
            if (next.isEmpty() || !router.retryBudget().tryWithdraw()) {
                return;
            }
            hedged = true;
            launch(next.get());
        }
    }

    // Caller holds the monitor.
    private void launch(WorkerInfo worker) {
        attempts++;
        tried.add(worker.id());
        lastWorker = Optional.of(worker.id());
        router.scaler().routed(model, worker.id());
        PeakEwmaBalancer.Attempt attempt = router.balancer().begin(worker.id());
        ClientCall<ModelInferRequest, ModelInferResponse> call;
        try {
            call = newCall(worker);
        } catch (RuntimeException e) {
            // The registry accepts any host:port, gRPC does not ("x:y:80", "[::1:80"): throwing here would leave the
            // attempt in flight forever and, inside a callback, the request unanswered. It is an unreachable worker.
            Status unreachable = Status.UNAVAILABLE
                    .withDescription("cannot dial worker " + worker.id())
                    .withCause(e);
            ended(new Run(worker, attempt, null), null, unreachable, new Metadata());
            return;
        }
        Run run = new Run(worker, attempt, call);
        inflight.add(run);
        ClientCalls.asyncUnaryCall(call, request, run);
    }

    /** A {@code ModelInfer} call to {@code worker} under the request's deadline, not started. */
    private ClientCall<ModelInferRequest, ModelInferResponse> newCall(WorkerInfo worker) {
        return router.channels()
                .channel(worker)
                .newCall(GRPCInferenceServiceGrpc.getModelInferMethod(), CallOptions.DEFAULT.withDeadline(deadline));
    }

    private static Metadata trailersOf(Throwable t) {
        Metadata trailers = Status.trailersFromThrowable(t);
        return trailers == null ? new Metadata() : trailers;
    }

    private void ended(Run run, ModelInferResponse response, Status status, Metadata trailers) {
        InferOutcome outcome = null;
        List<Run> losers = List.of();
        synchronized (this) {
            inflight.remove(run);
            if (done) {
                run.attempt.finish(Feedback.ABANDONED);
                return;
            }
            StatusPolicy.Verdict verdict = StatusPolicy.judge(status, trailers);
            Duration latency = run.attempt.finish(verdict.feedback());
            switch (verdict.action()) {
                case SERVED -> {
                    router.latencies(model).record(latency);
                    outcome = new InferOutcome.Served(response, run.worker.id(), attempts);
                }
                case RETURN -> outcome = new InferOutcome.WorkerError(status, trailers, run.worker.id());
                case DEADLINE -> {
                    if (inflight.isEmpty()) {
                        outcome = new InferOutcome.TimedOut(attempts, lastWorker);
                    }
                }
                case STALE_ROUTE -> {
                    router.workers().markCold(run.worker.id(), model);
                    outcome = retryOr(new InferOutcome.WorkerError(status, trailers, run.worker.id()), run.worker.id());
                }
                case RETRY -> {
                    InferOutcome giveUp = policy.idempotent()
                            ? new Shed(Shed.Reason.WORKERS_UNAVAILABLE, Duration.ofSeconds(1))
                            : new InferOutcome.WorkerError(status, trailers, run.worker.id());
                    outcome = policy.idempotent() ? retryOr(giveUp, run.worker.id()) : giveUp;
                }
            }
            if (outcome != null) {
                done = true;
                if (hedgeTimer != null) {
                    hedgeTimer.cancel();
                }
                losers = List.copyOf(inflight);
            }
        }
        // Outside the monitor: cancelling may call back into ended() on this thread.
        for (Run loser : losers) {
            loser.call.cancel("another attempt answered first", null);
        }
        if (outcome != null) {
            result.complete(outcome);
        }
    }

    /**
     * Starts a retry if one is allowed and returns null, or returns {@code giveUp}. {@code failed} is the worker whose
     * attempt just ended (not necessarily the one launched last: a hedge may have ended before it). Caller holds the
     * monitor.
     */
    private InferOutcome retryOr(InferOutcome giveUp, WorkerId failed) {
        if (!inflight.isEmpty()) {
            return null; // the hedge still running may answer
        }
        if (deadline.isExpired()) {
            return new InferOutcome.TimedOut(attempts, lastWorker);
        }
        if (attempts >= router.options().maxAttempts()
                || deadline.timeRemaining(TimeUnit.NANOSECONDS)
                        < router.options().minAttemptBudget().toNanos()) {
            return giveUp;
        }
        List<WorkerInfo> warm = router.workers().warm(model);
        Optional<WorkerInfo> next = router.balancer().choose(warm, tried);
        if (next.isEmpty()) {
            next = router.balancer().choose(warm, Set.of(failed));
        }
        if (next.isEmpty() || !router.retryBudget().tryWithdraw()) {
            return giveUp;
        }
        launch(next.get());
        return null;
    }

    /** One attempt: its worker, its balancer handle, its gRPC call, and the observer of its answer. */
    private final class Run implements StreamObserver<ModelInferResponse> {
        final WorkerInfo worker;
        final PeakEwmaBalancer.Attempt attempt;
        final ClientCall<ModelInferRequest, ModelInferResponse> call;
        private ModelInferResponse response;

        Run(
                WorkerInfo worker,
                PeakEwmaBalancer.Attempt attempt,
                ClientCall<ModelInferRequest, ModelInferResponse> call) {
            this.worker = worker;
            this.attempt = attempt;
            this.call = call;
        }

        @Override
        public void onNext(ModelInferResponse value) {
            response = value;
        }

        @Override
        public void onError(Throwable t) {
            ended(this, null, Status.fromThrowable(t), trailersOf(t));
        }

        @Override
        public void onCompleted() {
            ended(this, response, Status.OK, new Metadata());
        }
    }
}
