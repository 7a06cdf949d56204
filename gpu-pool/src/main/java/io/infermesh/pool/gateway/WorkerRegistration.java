package io.infermesh.pool.gateway;

import io.infermesh.router.WorkerId;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Registrations;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a worker signs to register: {@code type} {@value #TYPE}, its pool, its id, the address the gateway dials, when
 * it was signed and a nonce. Its canonical JSON (keys sorted, no whitespace) is the exact signed text:
 *
 * <pre>
 * {"issuedAt":"2026-11-22T10:00:00Z","nonce":"&lt;32 hex&gt;","pool":"0x…","target":"127.0.0.1:9000",
 *  "type":"infermesh.worker-registration.v1","worker":"gpu-box:9000"}
 * </pre>
 *
 * @param pool the pool's address, the signer; written as {@link EthAddress#value()}, i.e. EIP-55 mixed case. The
 *     contract's prose says "lower-case", but names {@code EthAddress.value()}, and the gateway's own {@code
 *     WorkerRegistration} re-serializes the payload with {@code EthAddress.value()} before checking the signature, so
 *     this is the form whose signature verifies there
 * @param worker this worker's id
 * @param target {@code host:port} of this worker's gRPC endpoint, as the gateway should dial it
 * @param issuedAt when it was signed, in whole seconds (the gateway refuses payloads outside its signature window)
 * @param nonce 16 random bytes as 32 lower-case hex digits (the gateway refuses replays)
 */
public record WorkerRegistration(EthAddress pool, WorkerId worker, String target, Instant issuedAt, String nonce) {
    public static final String TYPE = Registrations.WORKER_TYPE;

    private static final Pattern NONCE = Pattern.compile("[0-9a-f]{32}");

    public WorkerRegistration {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(worker, "worker");
        target = GatewayTarget.require(target);
        Objects.requireNonNull(issuedAt, "issuedAt");
        if (issuedAt.getNano() != 0) {
            throw new IllegalArgumentException("issuedAt must be whole seconds, not " + issuedAt);
        }
        if (nonce == null || !NONCE.matcher(nonce).matches()) {
            throw new IllegalArgumentException("a nonce is 32 lower-case hex digits (16 random bytes)");
        }
    }

    /** The signed text's bytes: canonical JSON, UTF-8. */
    public byte[] canonicalJson() {
        return Registrations.worker(pool, worker.value(), target, issuedAt, nonce);
    }
}
