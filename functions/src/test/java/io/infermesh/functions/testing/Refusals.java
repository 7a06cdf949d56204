package io.infermesh.functions.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.infermesh.functions.api.ProblemException;
import org.junit.jupiter.api.function.Executable;

/** Asserting the problem a call is refused with. */
public final class Refusals {
    private Refusals() {}

    /** Runs {@code call}, which must throw a {@link ProblemException} with {@code status} and {@code code}. */
    public static ProblemException refused(int status, String code, Executable call) {
        ProblemException e = assertThrows(ProblemException.class, call);
        assertEquals(status, e.status(), e.getMessage());
        assertEquals(code, e.problemCode(), e.getMessage());
        return e;
    }
}
