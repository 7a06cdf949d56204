package io.infermesh.router.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
    @Test
    void allowsTheBurstThenOneRetryPerFiveRequests() {
        RetryBudget budget = new RetryBudget(0.2, 2);
        assertTrue(budget.tryWithdraw());
        assertTrue(budget.tryWithdraw());
        assertFalse(budget.tryWithdraw());
        for (int i = 0; i < 4; i++) {
            budget.deposit();
        }
        assertFalse(budget.tryWithdraw());
        budget.deposit();
        assertTrue(budget.tryWithdraw());
    }

    @Test
    void neverHoldsMoreThanItsMaximum() {
        RetryBudget budget = new RetryBudget(1, 1);
        budget.deposit();
        budget.deposit();
        assertTrue(budget.tryWithdraw());
        assertFalse(budget.tryWithdraw());
    }

    @Test
    void histogramReportsAQuantileOnlyAfterEnoughSamplesAndErrsHigh() {
        LatencyHistogram h = new LatencyHistogram(1000, 10);
        for (int i = 0; i < 9; i++) {
            h.record(Duration.ofMillis(10));
        }
        assertTrue(h.quantile(0.95).isEmpty());
        h.record(Duration.ofMillis(100));
        for (int i = 0; i < 90; i++) {
            h.record(Duration.ofMillis(10));
        }
        Duration p95 = h.quantile(0.95).orElseThrow();
        assertTrue(
                p95.compareTo(Duration.ofMillis(10)) >= 0 && p95.compareTo(Duration.ofMillis(12)) <= 0, p95.toString());
        Duration p999 = h.quantile(0.999).orElseThrow();
        assertTrue(
                p999.compareTo(Duration.ofMillis(100)) >= 0 && p999.compareTo(Duration.ofMillis(120)) <= 0,
                p999.toString());
        assertEquals(0, LatencyHistogram.bucket(1));
    }
}
