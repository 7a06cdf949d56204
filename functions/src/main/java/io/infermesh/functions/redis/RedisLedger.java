package io.infermesh.functions.redis;

import io.infermesh.functions.CommitOutcome;
import io.infermesh.functions.CreditOutcome;
import io.infermesh.functions.FunctionsException;
import io.infermesh.functions.FunctionsException.ErrorCode;
import io.infermesh.functions.Hold;
import io.infermesh.functions.IdempotencyCompletion;
import io.infermesh.functions.Ledger;
import io.infermesh.functions.Names;
import io.infermesh.functions.Receipt;
import io.infermesh.functions.ReceiptDraft;
import io.infermesh.functions.ReceiptId;
import io.infermesh.functions.ReleaseOutcome;
import io.infermesh.functions.RequestId;
import io.infermesh.functions.Reservation;
import io.infermesh.functions.Usage;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@link Ledger} on Redis: each money move is one Lua script ({@code credit}, {@code reserve}, {@code commit},
 * {@code release}), so it happens entirely or not at all.
 *
 * <p>An account's money is in two parts ({@code ledger.lua}): its balance key, what it owns (credits minus charges),
 * and its held hash, the holds in flight (request id → wei). What it may spend is the first minus the sum of the
 * second. Only {@code credit} and {@code commit} change what an account owns, and only they are durable: with {@code
 * appendfsync always} their effects are on disk before the caller hears of them. {@code reserve} and {@code release}
 * write outside the AOF and replication ({@code redis.set_repl(REPL_NONE)}), so a paid call waits for one fsync (its
 * commit), not two. A hold is a promise not to let the account overspend while a call runs; it moves no money, so it
 * need not survive a restart.
 *
 * <p>Amounts are wei as decimal strings in Redis and in the scripts, with exact digit arithmetic in Lua (Lua numbers
 * are doubles, exact only below 2^53 wei ≈ 0.009 ETH); balances are capped at 2^256-1 like {@link Wei}.
 *
 * <p>Crash cases: a gateway dying before {@code reserve} returns either held the money (then the hold expires and
 * {@link #releaseExpired} returns it) or did not; dying after dispatch but before {@code commit}/{@code release} is
 * the same expired hold; dying inside a script cannot split it (Redis runs a script to the end and writes its effects
 * to the AOF as one MULTI/EXEC block; a torn block at the end of the AOF is dropped on load), so a receipt without its
 * charge or a charge without its receipt cannot exist. Redis dying loses no credit, charge or receipt it acknowledged,
 * and no committed hold's record (a repeated commit still returns its receipt). It loses the holds in flight: the
 * whole balance is spendable again, and the commit of a lost hold answers {@link CommitOutcome.UnknownHold} and
 * charges nothing. Holds that an AOF rewrite had copied come back from it; commit's durable removal of its own hold
 * keeps a committed one from coming back, and any other one is returned by the sweeper when it expires.
 */
public final class RedisLedger implements Ledger {
    private static final LuaScript CREDIT = LuaScript.load("credit", "ledger");
    private static final LuaScript RESERVE = LuaScript.load("reserve", "ledger");
    private static final LuaScript COMMIT = LuaScript.load("commit", "ledger");
    private static final LuaScript RELEASE = LuaScript.load("release", "ledger");
    private static final LuaScript SPENDABLE = LuaScript.load("spendable", "ledger");

    private final RedisState redis;
    private final Duration holdRetention;

    /**
     * @param holdRetention how long a finished hold is remembered, i.e. the window in which a repeated commit or
     *     release of the same request id is recognised (7 days is plenty)
     */
    public RedisLedger(RedisState redis, Duration holdRetention) {
        this.redis = Objects.requireNonNull(redis, "redis");
        if (holdRetention.toMillis() < 1) {
            throw FunctionsException.invalid("hold retention must be positive");
        }
        this.holdRetention = holdRetention;
        redis.preload(CREDIT, RESERVE, COMMIT, RELEASE, SPENDABLE);
    }

    @Override
    public Funds funds(EthAddress account) {
        List<String> r = redis.run(SPENDABLE, new String[] {RedisKeys.balance(account), RedisKeys.held(account)});
        return new Funds(Wei.parse(r.get(0)), Wei.parse(r.get(1)));
    }

    @Override
    public CreditOutcome credit(EthAddress account, Wei amount, String reason, String creditId) {
        Names.requireName("reason", reason);
        Names.requireName("credit id", creditId);
        List<String> r = redis.run(
                CREDIT,
                new String[] {
                    RedisKeys.balance(account),
                    RedisKeys.credits(account),
                    RedisKeys.journal(account),
                    RedisKeys.held(account)
                },
                creditId,
                amount.toString(),
                reason);
        return switch (r.get(0)) {
            case "credited" -> new CreditOutcome.Credited(Wei.parse(r.get(1)));
            case "duplicate" -> new CreditOutcome.AlreadyCredited(Wei.parse(r.get(1)), Wei.parse(r.get(2)));
            default -> throw unexpected("credit", r);
        };
    }

    @Override
    public Reservation reserve(EthAddress account, RequestId requestId, Wei amount, Duration ttl) {
        if (ttl.toMillis() < 1) {
            throw FunctionsException.invalid("a hold ttl is at least 1 ms");
        }
        List<String> r = redis.run(
                RESERVE,
                new String[] {
                    RedisKeys.balance(account),
                    RedisKeys.hold(requestId),
                    RedisKeys.HOLD_EXPIRY,
                    RedisKeys.journal(account),
                    RedisKeys.held(account)
                },
                account.value(),
                requestId.value(),
                amount.toString(),
                Long.toString(ttl.toMillis()));
        return switch (r.get(0)) {
            case "reserved" ->
                new Reservation.Reserved(
                        new Hold(account, requestId, amount, Instant.ofEpochMilli(Long.parseLong(r.get(1)))),
                        Wei.parse(r.get(2)));
            case "insufficient" -> new Reservation.Insufficient(Wei.parse(r.get(1)), amount);
            default -> throw unexpected("reserve", r);
        };
    }

    @Override
    public CommitOutcome commit(RequestId requestId, ReceiptDraft receipt, Optional<IdempotencyCompletion> completion) {
        Optional<EthAddress> holder = holder(requestId);
        if (holder.isEmpty()) {
            return new CommitOutcome.UnknownHold();
        }
        return commit(holder.get(), requestId, receipt, completion);
    }

    /** One {@code commit} script, without asking whose hold it is first. */
    @Override
    public CommitOutcome commit(Hold hold, ReceiptDraft receipt, Optional<IdempotencyCompletion> completion) {
        return commit(hold.account(), hold.requestId(), receipt, completion);
    }

    private CommitOutcome commit(
            EthAddress account, RequestId requestId, ReceiptDraft receipt, Optional<IdempotencyCompletion> completion) {
        List<String> keys = new ArrayList<>(List.of(
                RedisKeys.hold(requestId),
                RedisKeys.HOLD_EXPIRY,
                RedisKeys.balance(account),
                RedisKeys.RECEIPTS,
                RedisKeys.usage(account),
                RedisKeys.journal(account),
                RedisKeys.held(account)));
        List<String> args = new ArrayList<>(List.of(
                requestId.value(),
                account.value(),
                receipt.price().toString(),
                receipt.model(),
                receipt.manifest().toString(),
                receipt.worker(),
                receipt.payout().value(),
                Long.toString(holdRetention.toMillis())));
        completion.ifPresent(c -> {
            keys.add(RedisIdempotency.recordKey(c.account(), c.key()));
            args.add(c.token());
            args.add(RedisIdempotency.encode(c.response()));
            args.add(Long.toString(c.replayWindow().toMillis()));
        });
        List<String> r = redis.run(COMMIT, keys.toArray(String[]::new), args.toArray(String[]::new));
        return switch (r.get(0)) {
            case "committed" -> new CommitOutcome.Committed(new ReceiptId(r.get(1)), Wei.parse(r.get(2)));
            case "released" -> new CommitOutcome.AlreadyReleased();
            case "unknown" -> new CommitOutcome.UnknownHold();
            default -> throw unexpected("commit", r);
        };
    }

    @Override
    public ReleaseOutcome release(RequestId requestId) {
        return holder(requestId)
                .map(account -> release(requestId, account, false))
                .orElseGet(ReleaseOutcome.UnknownHold::new);
    }

    @Override
    public int releaseExpired(int limit) {
        if (limit < 1) {
            throw FunctionsException.invalid("limit must be at least 1");
        }
        long now = redis.time().toEpochMilli();
        List<String> due = redis.call(c -> c.zrangebyscore(
                RedisKeys.HOLD_EXPIRY, Range.create(Double.NEGATIVE_INFINITY, (double) now), Limit.create(0, limit)));
        int released = 0;
        for (String id : due) {
            RequestId requestId = new RequestId(id);
            Optional<EthAddress> account = holder(requestId);
            if (account.isEmpty()) {
                // a hold record never expires while held; an index entry without one is a leftover
                redis.call(c -> c.zrem(RedisKeys.HOLD_EXPIRY, id));
                continue;
            }
            if (release(requestId, account.get(), true) instanceof ReleaseOutcome.Released r && r.now()) {
                released++;
            }
        }
        return released;
    }

    @Override
    public List<Receipt> receipts(String afterId, int count) {
        ReceiptId after = new ReceiptId(afterId);
        if (count < 1) {
            throw FunctionsException.invalid("count must be at least 1");
        }
        String[] parts = after.value().split("-");
        String start = parts[0] + "-" + (Long.parseUnsignedLong(parts[1]) + 1);
        List<StreamMessage<String, String>> entries =
                redis.call(c -> c.xrange(RedisKeys.RECEIPTS, Range.create(start, "+"), Limit.create(0, count)));
        List<Receipt> out = new ArrayList<>(entries.size());
        for (StreamMessage<String, String> e : entries) {
            Map<String, String> f = e.getBody();
            out.add(new Receipt(
                    new ReceiptId(e.getId()),
                    new RequestId(f.get("request")),
                    EthAddress.of(f.get("account")),
                    f.get("model"),
                    Cid.parse(f.get("manifest")),
                    f.get("worker"),
                    EthAddress.of(f.get("payout")),
                    Wei.parse(f.get("price")),
                    Instant.ofEpochMilli(Long.parseLong(f.get("at")))));
        }
        return out;
    }

    @Override
    public List<Usage> usage(EthAddress account, LocalDate from, LocalDate to) {
        long first = from.toEpochDay();
        long last = to.toEpochDay();
        Map<String, String> fields = redis.call(c -> c.hgetall(RedisKeys.usage(account)));
        // (day, model) -> [calls, wei]
        Map<Long, Map<String, String[]>> rows = new TreeMap<>();
        fields.forEach((field, value) -> {
            String[] p = field.split("\\|", 3);
            long day = Long.parseLong(p[0]);
            if (day < first || day > last) {
                return;
            }
            String[] row =
                    rows.computeIfAbsent(day, d -> new TreeMap<>()).computeIfAbsent(p[2], m -> new String[] {"0", "0"});
            row["calls".equals(p[1]) ? 0 : 1] = value;
        });
        List<Usage> out = new ArrayList<>();
        rows.forEach((day, models) -> models.forEach((model, row) ->
                out.add(new Usage(LocalDate.ofEpochDay(day), model, Long.parseLong(row[0]), Wei.parse(row[1])))));
        out.sort(Comparator.comparing(Usage::day).thenComparing(Usage::model));
        return out;
    }

    private ReleaseOutcome release(RequestId requestId, EthAddress account, boolean expiredOnly) {
        List<String> r = redis.run(
                RELEASE,
                new String[] {
                    RedisKeys.hold(requestId),
                    RedisKeys.HOLD_EXPIRY,
                    RedisKeys.balance(account),
                    RedisKeys.journal(account),
                    RedisKeys.held(account)
                },
                requestId.value(),
                account.value(),
                Long.toString(holdRetention.toMillis()),
                expiredOnly ? "1" : "0");
        return switch (r.get(0)) {
            case "released" -> new ReleaseOutcome.Released(Wei.parse(r.get(1)), "first".equals(r.get(2)));
            case "committed" -> new ReleaseOutcome.AlreadyCommitted(new ReceiptId(r.get(1)));
            case "unknown" -> new ReleaseOutcome.UnknownHold();
            // only the sweeper asks for expired-only; a hold not yet due stays held
            case "not_expired" -> new ReleaseOutcome.UnknownHold();
            default -> throw unexpected("release", r);
        };
    }

    /** The account a hold belongs to (it never changes); empty if there is no such hold. */
    private Optional<EthAddress> holder(RequestId requestId) {
        String a = redis.call(c -> c.hget(RedisKeys.hold(requestId), "account"));
        return Optional.ofNullable(a).map(EthAddress::of);
    }

    private static FunctionsException unexpected(String script, List<String> reply) {
        return new FunctionsException(ErrorCode.STATE_UNAVAILABLE, script + " script answered " + reply);
    }
}
