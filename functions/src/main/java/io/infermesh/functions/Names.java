package io.infermesh.functions;

/** Checks on free-text names that end up inside Redis keys, hash fields and stream entries. */
public final class Names {
    private Names() {}

    /** 1 to 256 characters, none of them a control character or {@code |} (the usage-field separator). */
    public static String requireName(String what, String value) {
        if (value == null || value.isEmpty() || value.length() > 256) {
            throw FunctionsException.invalid(what + " must be 1-256 characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '|') {
                throw FunctionsException.invalid(what + " must not contain control characters or '|'");
            }
        }
        return value;
    }
}
