package io.infermesh.functions;

import io.infermesh.store.manifest.EthAddress;
import java.time.Instant;

/**
 * A registration a key signs: canonical JSON (RFC 8785 style: sorted keys, no whitespace, amounts as decimal
 * strings) carrying a {@code type}, the signer's address, an {@code issuedAt} time and a random {@code nonce}. The
 * gateway accepts it only within a window around its own clock and only once per (signer, nonce), so a captured
 * registration cannot be replayed.
 */
public sealed interface SignedPayload permits PoolRegistration, WorkerRegistration {
    /** The address that must have signed it. */
    EthAddress signer();

    Instant issuedAt();

    String nonce();

    /** The exact bytes that are signed (EIP-191 personal_sign over them). */
    byte[] canonicalJson();
}
