package io.infermesh.functions.redis;

import io.infermesh.functions.RequestId;
import io.infermesh.store.manifest.EthAddress;

/**
 * The Redis key layout, in one place. Every key starts with {@code im:}. Keys of one account share the hash tag
 * {@code {acct:<EIP-55 address>}}, so scripts over one account's keys stay in one Cluster slot.
 *
 * <pre>
 * im:{acct:A}:balance        string  wei the account owns: credits minus charges (decimal string)
 * im:{acct:A}:held           hash    request id -> wei of each hold in flight; spendable = balance - sum;
 *                                    not in the AOF nor replicated, except commit's removal (soft state)
 * im:{acct:A}:credits        hash    credit id -> wei (each credit applied once)
 * im:{acct:A}:journal        stream  every money move: op (credit|reserve|commit|release|expire), ref, amount, balance
 *                                    (spendable after it); reserve/release/expire entries are soft, like holds
 * im:{acct:A}:usage          hash    "&lt;epochDay&gt;|calls|&lt;model&gt;" -> count, "&lt;epochDay&gt;|wei|&lt;model&gt;" -> wei
 * im:{acct:A}:apikeys        hash    key id -> JSON {id, created, last4, label, hash}
 * im:{acct:A}:idem:&lt;sha256&gt;   hash    Idempotency-Key record {state, body, token, response}; ttl in-progress/24 h
 * im:{acct:A}:siwe:&lt;nonce&gt;    string  issued sign-in message; ttl = challenge ttl; GETDEL on use
 * im:hold:&lt;requestId&gt;          hash    {account, amount, state held|committed|released, expires_at, receipt, charged};
 *                                    soft while held or released, durable once committed
 * im:holds:expiry            zset    requestId by hold expiry (ms, Redis time), while held; soft
 * im:receipts                stream  receipts: request, account, model, manifest, worker, payout, price, at
 * im:apikey:&lt;sha256 hex&gt;       hash    key -> {account, id, created, last4, label}
 * im:rate:&lt;subject&gt;            hash    token bucket {tokens, ts (µs, Redis time)}; ttl = time to refill + 1 s;
 *                                    subjects: key:&lt;key id&gt; (API calls), sign-in:&lt;client address&gt;;
 *                                    not in the AOF nor replicated (soft state: full again after a restart)
 * im:pool:&lt;address&gt;            hash    {issued_at, registration (signed JSON), signature}
 * im:worker:&lt;id&gt;               hash    {pool, target, token_hash, registered_at, registration, signature}
 * im:hb:&lt;id&gt;                   string  latest heartbeat JSON; ttl = lease ttl
 * im:workers                 set     registered worker ids
 * im:workers:leases          zset    worker id by lease expiry (ms, Redis time)
 * im:nonce:&lt;address&gt;:&lt;nonce&gt;   string  a used registration nonce; ttl = 2 x signature window
 * im:org:&lt;org&gt;                string  the org's owner address (first publisher; SET NX)
 * im:gateway-keys            hash    gateway key id -> "&lt;last seen ms&gt;|&lt;base64 X.509 Ed25519 public key&gt;"
 * </pre>
 *
 * The ledger scripts also touch the global {@code im:holds:expiry} and {@code im:receipts} keys, so on Redis Cluster
 * they would cross slots: the money keys need a single primary (with replicas / Sentinel).
 */
final class RedisKeys {
    static final String HOLD_EXPIRY = "im:holds:expiry";
    static final String RECEIPTS = "im:receipts";
    static final String WORKERS = "im:workers";
    static final String LEASES = "im:workers:leases";
    static final String GATEWAY_KEYS = "im:gateway-keys";

    private RedisKeys() {}

    private static String account(EthAddress a) {
        return "im:{acct:" + a.value() + "}:";
    }

    static String balance(EthAddress a) {
        return account(a) + "balance";
    }

    static String credits(EthAddress a) {
        return account(a) + "credits";
    }

    static String held(EthAddress a) {
        return account(a) + "held";
    }

    static String journal(EthAddress a) {
        return account(a) + "journal";
    }

    static String usage(EthAddress a) {
        return account(a) + "usage";
    }

    static String apiKeys(EthAddress a) {
        return account(a) + "apikeys";
    }

    static String idempotency(EthAddress a, String keyHashHex) {
        return account(a) + "idem:" + keyHashHex;
    }

    static String challenge(EthAddress a, String nonce) {
        return account(a) + "siwe:" + nonce;
    }

    static String hold(RequestId r) {
        return "im:hold:" + r.value();
    }

    static String apiKey(String secretHashHex) {
        return "im:apikey:" + secretHashHex;
    }

    static String rateBucket(String subject) {
        return "im:rate:" + subject;
    }

    static String pool(EthAddress pool) {
        return "im:pool:" + pool.value();
    }

    static String worker(String id) {
        return "im:worker:" + id;
    }

    static String heartbeat(String id) {
        return "im:hb:" + id;
    }

    static String org(String org) {
        return "im:org:" + org;
    }

    static String nonce(EthAddress signer, String nonce) {
        return "im:nonce:" + signer.value() + ":" + nonce;
    }
}
