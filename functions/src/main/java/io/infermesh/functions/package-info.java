/**
 * The gateway's shared state, as contracts: {@link io.infermesh.functions.Ledger} (balances, holds, receipts),
 * {@link io.infermesh.functions.Idempotency},
 * {@link io.infermesh.functions.ApiKeys} (with each key's rate limit), {@link io.infermesh.functions.SignIn} and
 * {@link io.infermesh.functions.Registry}. Implementations live in {@code .redis}; nothing here imports Quarkus, CDI or
 * Lettuce.
 *
 * <p>Invariants:
 *
 * <ul>
 *   <li>Money is {@link io.infermesh.store.manifest.Wei} (integer wei, 0 to 2^256-1), never a float, also inside Redis
 *       scripts (decimal strings with exact digit arithmetic).
 *   <li>Per account, at every instant: {@code balance + held + charged = credited}, and the balance is never negative.
 *   <li>Each hold ends at most once, by commit (charge + receipt + usage, together) or release (money back); repeats
 *       return the first result. No charge without a receipt, no receipt without a charge.
 *   <li>Every money move is idempotent (credit id, request id) and appends to the account's journal.
 *   <li>Times that several gateways must agree on (hold expiry, leases, rate-limit refill, receipt time) are Redis
 *       {@code TIME}; times that only stamp or check a signed message (sign-in expiry, registration freshness, key
 *       creation) come from an injected {@link java.time.InstantSource}.
 *   <li>Secrets (API keys, lease tokens) are stored only as SHA-256; signed registrations are stored with their
 *       signatures as proof.
 * </ul>
 */
package io.infermesh.functions;
