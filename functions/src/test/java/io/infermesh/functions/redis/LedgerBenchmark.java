package io.infermesh.functions.redis;

import io.infermesh.functions.CommitOutcome;
import io.infermesh.functions.ReceiptDraft;
import io.infermesh.functions.RequestId;
import io.infermesh.functions.Reservation;
import io.infermesh.functions.TestKeys;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The ledger's cost per paid call on a real Redis with the shipped durability ({@code deploy/redis.sh}: AOF,
 * {@code appendfsync always}), against the unit it is made of: one fsynced write, a plain {@code SET}, timed in the
 * same run on the same server (not a test: nothing is asserted on time).
 *
 * <ul>
 *   <li>Latency, one client: {@code SET}; {@code reserve}; {@code commit}; a paid call ({@code reserve} then {@code
 *       commit}). Rounds interleave the four so drift hits each alike.
 *   <li>Throughput, {@code -Dbench.clients} (default 16) clients on virtual threads for {@code -Dbench.seconds}
 *       (default 5) each: {@code SET}s per second against paid calls per second.
 * </ul>
 *
 * Run: {@code deploy/bench.sh functions}. Rounds {@code -Dbench.rounds} (default 20) of {@code -Dbench.ops} (default
 * 100) each. Results go to stdout and {@code target/benchmarks/ledger.md}.
 */
class LedgerBenchmark {
    private static final Wei PRICE = Wei.parse("1000000000000000");
    private static final Cid MANIFEST = Cid.parse("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy");
    private static final EthAddress PAYOUT = EthAddress.of("0x00000000000000000000000000000000000000aa");
    private static final Duration TTL = Duration.ofMinutes(5);

    private final List<String> report = new ArrayList<>();

    @Test
    void paidCallAgainstOneFsyncedWrite() throws Exception {
        int rounds = Integer.getInteger("bench.rounds", 20);
        int ops = Integer.getInteger("bench.ops", 100);
        int clients = Integer.getInteger("bench.clients", 16);
        int seconds = Integer.getInteger("bench.seconds", 5);
        try (RedisServer server = RedisServer.start("ledger-bench")) {
            RedisState redis = server.state();
            RedisLedger ledger = new RedisLedger(redis, Duration.ofDays(1));
            EthAddress account = TestKeys.address(TestKeys.random());
            ledger.credit(account, Wei.parse("1000000000000000000000000"), "bench", "bench-credit");
            String version = redis.call(c -> c.info("server"))
                    .lines()
                    .filter(l -> l.startsWith("redis_version:"))
                    .findFirst()
                    .orElse("redis_version:?");
            line("# ledger");
            line("");
            line("- JVM: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
                    + ", cores: " + Runtime.getRuntime().availableProcessors() + "; Redis from deploy/redis.sh ("
                    + version + ", appendonly yes, appendfsync " + config(redis, "appendfsync") + ").");
            line("");
            line("## Latency, one client: " + rounds + " interleaved rounds of " + ops + " operations each");
            line("");

            Op set = () -> redis.call(c -> c.set("bench:fsynced", "x"));
            Op paid = () -> paidCall(ledger, account);
            long[][] nanos = new long[4][];
            for (int i = 0; i < nanos.length; i++) {
                nanos[i] = new long[rounds * ops];
            }
            for (int warm = 0; warm < ops * 3; warm++) {
                set.run();
                paid.run();
            }
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < ops; i++) {
                    nanos[0][r * ops + i] = time(set);
                }
                for (int i = 0; i < ops; i++) {
                    RequestId id = RequestId.random();
                    long start = System.nanoTime();
                    reserve(ledger, account, id);
                    nanos[1][r * ops + i] = System.nanoTime() - start;
                    start = System.nanoTime();
                    commit(ledger, id);
                    nanos[2][r * ops + i] = System.nanoTime() - start;
                }
                for (int i = 0; i < ops; i++) {
                    nanos[3][r * ops + i] = time(paid);
                }
            }
            double unit = percentile(nanos[0], 50);
            line("| operation | p50 ms | p99 ms | p50 in fsynced writes |");
            line("| --- | ---: | ---: | ---: |");
            String[] names = {
                "`SET` (one fsynced write, baseline)",
                "`reserve`",
                "`commit` (receipt, charge, usage)",
                "paid call: `reserve` then `commit`"
            };
            for (int i = 0; i < names.length; i++) {
                line(String.format(
                        "| %s | %.3f | %.3f | **%.2f** |",
                        names[i],
                        percentile(nanos[i], 50) / 1e6,
                        percentile(nanos[i], 99) / 1e6,
                        percentile(nanos[i], 50) / unit));
            }

            line("");
            line("## Throughput, " + clients + " clients on virtual threads, " + seconds + " s each");
            line("");
            double setsPerSecond = throughput(set, clients, seconds);
            double callsPerSecond = throughput(paid, clients, seconds);
            line("| operation | per second | ratio to `SET` |");
            line("| --- | ---: | ---: |");
            line(String.format("| `SET` (baseline) | %.0f | 1.00 |", setsPerSecond));
            line(String.format(
                    "| paid call: `reserve` then `commit` | %.0f | **%.2f** |",
                    callsPerSecond, callsPerSecond / setsPerSecond));
        }
        Path out = Path.of("target", "benchmarks", "ledger.md");
        Files.createDirectories(out.getParent());
        Files.write(out, report);
    }

    @FunctionalInterface
    private interface Op {
        void run() throws Exception;
    }

    private static void paidCall(RedisLedger ledger, EthAddress account) {
        RequestId id = RequestId.random();
        reserve(ledger, account, id);
        commit(ledger, id);
    }

    private static void reserve(RedisLedger ledger, EthAddress account, RequestId id) {
        if (!(ledger.reserve(account, id, PRICE, TTL) instanceof Reservation.Reserved)) {
            throw new IllegalStateException("the benchmark account ran out of credit");
        }
    }

    private static void commit(RedisLedger ledger, RequestId id) {
        CommitOutcome outcome = ledger.commit(id, new ReceiptDraft("org/minilm:1", MANIFEST, "w1", PAYOUT, PRICE));
        if (!(outcome instanceof CommitOutcome.Committed)) {
            throw new IllegalStateException("commit answered " + outcome);
        }
    }

    private static String config(RedisState redis, String name) {
        return redis.call(c -> c.configGet(name)).getOrDefault(name, "?");
    }

    private static long time(Op op) throws Exception {
        long start = System.nanoTime();
        op.run();
        return System.nanoTime() - start;
    }

    private static double throughput(Op op, int clients, int seconds) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        AtomicInteger done = new AtomicInteger();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> workers = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                workers.add(pool.submit(() -> {
                    while (System.nanoTime() < end) {
                        op.run();
                        done.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> w : workers) {
                w.get();
            }
        }
        return done.get() / ((System.nanoTime() - start) / 1e9);
    }

    private static double percentile(long[] nanos, double p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private void line(String s) {
        System.out.println(s);
        report.add(s);
    }
}
