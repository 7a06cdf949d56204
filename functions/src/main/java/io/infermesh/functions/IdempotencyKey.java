package io.infermesh.functions;

/**
 * A client's {@code Idempotency-Key} header: 1 to 255 printable ASCII characters (no spaces or controls). Scoped to
 * the account that sent it, so two accounts can use the same key.
 *
 * @param value the header value
 */
public record IdempotencyKey(String value) {
    public IdempotencyKey {
        if (value == null || value.isEmpty() || value.length() > 255) {
            throw FunctionsException.invalid("an Idempotency-Key is 1-255 characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw FunctionsException.invalid("an Idempotency-Key is printable ASCII without spaces");
            }
        }
    }
}
