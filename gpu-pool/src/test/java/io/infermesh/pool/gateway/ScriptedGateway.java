package io.infermesh.pool.gateway;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;

/**
 * An in-memory {@link Gateway}: answers each call with the next scripted reply and records what it was sent. Not a
 * stand-in for the real gateway's behaviour; it lets a test choose the outcome of each call.
 */
final class ScriptedGateway implements Gateway {
    sealed interface Call {}

    record Register(SignedEnvelope envelope) implements Call {}

    record Beat(String workerId, String token, Heartbeat heartbeat) implements Call {}

    final List<Call> calls = new ArrayList<>();
    private final Deque<Supplier<GatewayReply>> replies = new ArrayDeque<>();

    ScriptedGateway then(GatewayReply reply) {
        replies.add(() -> reply);
        return this;
    }

    ScriptedGateway then(Supplier<GatewayReply> reply) {
        replies.add(reply);
        return this;
    }

    @Override
    public synchronized GatewayReply register(SignedEnvelope registration) {
        calls.add(new Register(registration));
        return next();
    }

    @Override
    public synchronized GatewayReply heartbeat(String workerId, String leaseToken, Heartbeat heartbeat) {
        calls.add(new Beat(workerId, leaseToken, heartbeat));
        return next();
    }

    @Override
    public String describe() {
        return "scripted";
    }

    synchronized Call last() {
        return calls.getLast();
    }

    private GatewayReply next() {
        Supplier<GatewayReply> reply = replies.poll();
        if (reply == null) {
            throw new IllegalStateException("no reply scripted for call " + calls.size() + ": " + calls.getLast());
        }
        return reply.get();
    }
}
