package io.infermesh.pool.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RunCostModelTest {
    @Test
    void usesThePriorUntilItHasSeenEnoughRuns() {
        RunCostModel model = new RunCostModel(6);
        for (int i = 0; i < RunCostModel.MIN_RUNS - 1; i++) {
            model.record(10 + i, 1_000_000 + 250_000L * (10 + i));
        }
        assertEquals(6, model.runCostTokens());
    }

    @Test
    void learnsTheFixedCostInTokensFromRunsOfDifferentSizes() {
        RunCostModel model = new RunCostModel(6);
        // 5 ms per run + 0.25 ms per token: the fixed part is worth 20 tokens.
        for (int i = 0; i < 100; i++) {
            long tokens = 8 + (i * 37) % 300;
            model.record(tokens, 5_000_000 + 250_000 * tokens);
        }
        assertEquals(20, model.runCostTokens(), 1e-6);
    }

    @Test
    void followsAChangeInTheMachine() {
        RunCostModel model = new RunCostModel(6);
        for (int i = 0; i < 2000; i++) {
            long tokens = 8 + (i * 37) % 300;
            model.record(tokens, 5_000_000 + 250_000 * tokens);
        }
        // Now the per-run cost dominates (an accelerator): 2 ms per run, 0.002 ms per token -> 1000 tokens.
        for (int i = 0; i < 2000; i++) {
            long tokens = 8 + (i * 37) % 300;
            model.record(tokens, 2_000_000 + 2_000 * tokens);
        }
        assertEquals(1000, model.runCostTokens(), 10); // what is left of the old machine: weight 0.995^2000
    }

    @Test
    void keepsThePriorWhenAllRunsHaveOneSizeOrTheFitIsNonsense() {
        RunCostModel sameSize = new RunCostModel(6);
        RunCostModel shrinking = new RunCostModel(6);
        for (int i = 0; i < 50; i++) {
            sameSize.record(64, 3_000_000 + i);
            shrinking.record(8 + i, 10_000_000 - 100_000L * i);
        }
        assertEquals(6, sameSize.runCostTokens());
        assertEquals(6, shrinking.runCostTokens());
    }

    @Test
    void clampsToAtLeastOneToken() {
        RunCostModel model = new RunCostModel(6);
        for (int i = 0; i < 50; i++) {
            long tokens = 8 + i * 10;
            model.record(tokens, 250_000 * tokens - 1_000_000);
        }
        assertEquals(1, model.runCostTokens());
    }
}
