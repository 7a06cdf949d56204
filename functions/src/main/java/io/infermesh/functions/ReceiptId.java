package io.infermesh.functions;

import java.util.regex.Pattern;

/**
 * A receipt's entry id in the receipt stream ({@code <milliseconds>-<sequence>}, as Redis assigns them): unique,
 * increasing in commit order, and the cursor settlement resumes from.
 *
 * @param value the stream entry id
 */
public record ReceiptId(String value) {
    private static final Pattern FORMAT = Pattern.compile("[0-9]{1,20}-[0-9]{1,20}");

    public ReceiptId {
        if (value == null || !FORMAT.matcher(value).matches()) {
            throw FunctionsException.invalid("a receipt id is <millis>-<sequence>; got '" + value + "'");
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
