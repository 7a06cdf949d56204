package io.infermesh.router;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A worker's identity as registered by its pool: 1 to 128 characters from {@code [A-Za-z0-9._:/-]}, starting with a
 * letter or digit. The charset keeps ids safe inside tokens, metric labels and log lines.
 */
public record WorkerId(String value) implements Comparable<WorkerId> {
    private static final Pattern FORMAT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}");

    public WorkerId {
        Objects.requireNonNull(value, "value");
        if (!FORMAT.matcher(value).matches()) {
            throw RouterException.invalid(
                    "worker id must be 1-128 characters of [A-Za-z0-9._:/-], starting with a" + " letter or digit");
        }
    }

    public static WorkerId of(String value) {
        return new WorkerId(value);
    }

    @Override
    public int compareTo(WorkerId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
