package io.infermesh.functions;

import com.fasterxml.jackson.databind.JsonNode;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Registrations;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A worker's registration, signed by its pool's key. Canonical JSON (the signed bytes, one line, keys sorted):
 *
 * <pre>
 * {"issuedAt":"2026-11-22T05:00:00Z","nonce":"&lt;32 hex&gt;","pool":"0x…","target":"10.0.0.7:9000",
 *  "type":"infermesh.worker-registration.v1","worker":"pool-a/gpu-0"}
 * </pre>
 *
 * @param pool the registered pool the worker belongs to (the signer)
 * @param worker the worker id: 1-128 of {@code [A-Za-z0-9._:/-]}, starting with a letter or digit
 * @param target the worker's gRPC address {@code host:port}
 * @param issuedAt when it was signed (whole seconds)
 * @param nonce 16 random bytes as 32 hex digits
 */
public record WorkerRegistration(EthAddress pool, String worker, String target, Instant issuedAt, String nonce)
        implements SignedPayload {
    public static final String TYPE = Registrations.WORKER_TYPE;
    private static final Pattern WORKER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}");
    private static final Pattern TARGET = Pattern.compile("[A-Za-z0-9.\\-\\[\\]:]{1,253}:[0-9]{1,5}");

    public WorkerRegistration {
        Objects.requireNonNull(pool, "pool");
        if (worker == null || !WORKER.matcher(worker).matches()) {
            throw FunctionsException.invalid(
                    "a worker id is 1-128 characters of [A-Za-z0-9._:/-] starting with a letter or digit");
        }
        if (target == null || !TARGET.matcher(target).matches()) {
            throw FunctionsException.invalid("a worker target is host:port");
        }
        int port = Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
        if (port < 1 || port > 65535) {
            throw FunctionsException.invalid("a worker target port is 1-65535");
        }
        Payloads.requireWholeSeconds(issuedAt);
        Payloads.requireNonce(nonce);
    }

    @Override
    public EthAddress signer() {
        return pool;
    }

    @Override
    public byte[] canonicalJson() {
        return Registrations.worker(pool, worker, target, issuedAt, nonce);
    }

    /** Parses the canonical JSON (as signed); anything not canonical is refused. */
    public static WorkerRegistration parse(String json) {
        JsonNode node = Payloads.readCanonical(json, TYPE);
        return new WorkerRegistration(
                Payloads.address(node, "pool"),
                Payloads.text(node, "worker"),
                Payloads.text(node, "target"),
                Payloads.time(node, "issuedAt"),
                Payloads.text(node, "nonce"));
    }
}
