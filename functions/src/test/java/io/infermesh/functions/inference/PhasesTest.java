package io.infermesh.functions.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PhasesTest {
    @Test
    void eachMarkIsANameAndItsDurationInMillisecondsWithTwoDecimals() throws InterruptedException {
        Phases phases = new Phases();
        assertEquals("", phases.header());
        phases.mark("auth");
        Thread.sleep(12);
        phases.mark("infer");
        String[] marks = phases.header().split(", ");
        assertEquals(2, marks.length, phases.header());
        assertTrue(marks[0].matches("auth;dur=\\d+\\.\\d\\d"), marks[0]);
        assertTrue(marks[1].matches("infer;dur=\\d+\\.\\d\\d"), marks[1]);
        double infer = Double.parseDouble(marks[1].substring("infer;dur=".length()));
        assertTrue(infer >= 12.0, "slept 12 ms, measured " + infer);
    }
}
