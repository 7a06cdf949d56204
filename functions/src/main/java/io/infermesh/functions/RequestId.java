package io.infermesh.functions;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The gateway's id of one inference call: it names the call's hold, receipt and log lines. 1 to 128 characters of
 * {@code [A-Za-z0-9._:-]}, starting with a letter or digit.
 *
 * @param value the id text
 */
public record RequestId(String value) {
    private static final Pattern FORMAT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    public RequestId {
        if (value == null || !FORMAT.matcher(value).matches()) {
            throw FunctionsException.invalid(
                    "a request id is 1-128 characters of [A-Za-z0-9._:-] starting with a letter or digit");
        }
    }

    /** A fresh random id ({@code req_} + UUID). */
    public static RequestId random() {
        return new RequestId("req_" + UUID.randomUUID());
    }

    @Override
    public String toString() {
        return value;
    }
}
