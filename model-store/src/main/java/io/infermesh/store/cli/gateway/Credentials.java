package io.infermesh.store.cli.gateway;

import io.infermesh.store.manifest.EthAddress;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What {@code infermesh login} saves: an API key and where it is valid.
 *
 * @param gateway the gateway that issued the key; the key is never sent anywhere else
 * @param account the account the key acts for
 * @param keyId the key's id, for {@code infermesh keys revoke}
 * @param apiKey the secret
 */
public record Credentials(GatewayEndpoint gateway, EthAddress account, String keyId, ApiKey apiKey) {
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    public Credentials {
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(apiKey, "apiKey");
        requireKeyId(keyId);
    }

    /** Checks an API key id before it becomes part of a URL path. */
    public static String requireKeyId(String keyId) {
        if (keyId == null || !KEY_ID.matcher(keyId).matches()) {
            throw new IllegalArgumentException(
                    "an API key id is 1-128 letters, digits, '.', '_', ':' or '-'; got '" + keyId + "'");
        }
        return keyId;
    }
}
