package io.infermesh.pool.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NearestSizeSelectionTest {
    private static int[] select(long[] keys, long maxRows) {
        long[] rows = new long[keys.length];
        Arrays.fill(rows, 1);
        boolean[] stacks = new boolean[keys.length];
        Arrays.fill(stacks, true);
        return NearestSizeSelection.select(keys, rows, stacks, maxRows);
    }

    @Test
    void takesTheRequestsNearestInSizeToTheOldestFromTheWholeQueue() {
        // Oldest 20; nearest are 21 (index 5), 19 (index 2), 23 (index 4).
        assertArrayEquals(new int[] {0, 2, 4, 5}, select(new long[] {20, 90, 19, 60, 23, 21, 40}, 4));
    }

    @Test
    void alwaysTakesTheOldestRequestHoweverFarItsSizeIsFromTheRest() {
        assertArrayEquals(new int[] {0, 3}, select(new long[] {500, 10, 11, 12}, 2));
        assertArrayEquals(new int[] {0}, select(new long[] {500, 10, 11, 12}, 1));
    }

    @Test
    void prefersTheOlderOfTwoEquallyNearRequests() {
        assertArrayEquals(new int[] {0, 2}, select(new long[] {30, 40, 35, 25, 35}, 2));
        assertArrayEquals(new int[] {0, 2, 3}, select(new long[] {30, 40, 35, 25, 35}, 3));
    }

    @Test
    void passesOverARequestThatWouldOverflowTheRowsForASmallerOne() {
        long[] keys = {10, 11, 12, 30};
        long[] rows = {2, 3, 1, 1};
        boolean[] stacks = {true, true, true, true};
        assertArrayEquals(new int[] {0, 2, 3}, NearestSizeSelection.select(keys, rows, stacks, 4));
    }

    @Test
    void leavesOutRequestsThatDoNotStackWithTheOldest() {
        long[] keys = {10, 10, 11, 40};
        long[] rows = {1, 1, 1, 1};
        boolean[] stacks = {true, false, true, true};
        assertArrayEquals(new int[] {0, 2, 3}, NearestSizeSelection.select(keys, rows, stacks, 3));
    }

    @Test
    void takesTheOldestAloneWhenItHasMoreRowsThanTheLimit() {
        long[] keys = {10, 10};
        long[] rows = {8, 1};
        boolean[] stacks = {true, true};
        assertArrayEquals(new int[] {0}, NearestSizeSelection.select(keys, rows, stacks, 4));
    }
}
