package io.infermesh.functions;

import io.infermesh.store.manifest.Wei;
import java.time.LocalDate;
import java.util.Objects;

/**
 * An account's committed calls of one model on one UTC day (by Redis time at commit).
 *
 * @param day the UTC day
 * @param model the model as called
 * @param calls how many calls were charged
 * @param spent the wei charged for them
 */
public record Usage(LocalDate day, String model, long calls, Wei spent) {
    public Usage {
        Objects.requireNonNull(day, "day");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(spent, "spent");
        if (calls < 0) {
            throw FunctionsException.invalid("calls must not be negative");
        }
    }
}
