package io.infermesh.store.cli.gateway;

import java.util.regex.Pattern;

/**
 * An API key's secret ({@code im_live_...}), sent as {@code Authorization: Bearer}. {@link #toString()} never shows
 * it, so a key that ends up in a log or an exception message stays secret.
 *
 * @param secret {@code im_} followed by letters, digits, '_' or '-' (base64url); at most 256 characters
 */
public record ApiKey(String secret) {
    private static final Pattern FORM = Pattern.compile("im_[A-Za-z0-9_-]{1,253}");

    public ApiKey {
        if (secret == null || !FORM.matcher(secret).matches()) {
            throw new IllegalArgumentException(
                    "an API key looks like im_live_... (letters, digits, '_' and '-'); check INFERMESH_API_KEY or"
                            + " log in again");
        }
    }

    /** The last four characters, which the gateway lists to tell keys apart. */
    public String last4() {
        return secret.substring(secret.length() - 4);
    }

    @Override
    public String toString() {
        return "ApiKey[im_…" + last4() + "]";
    }
}
