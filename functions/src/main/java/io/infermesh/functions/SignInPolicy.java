package io.infermesh.functions;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * What the gateway puts into sign-in challenges.
 *
 * @param domain the gateway's public host[:port]
 * @param uri the gateway's sign-in URI
 * @param chainId the EVM chain id accounts live on
 * @param statement the line the wallet shows
 * @param challengeTtl how long a challenge may be answered (5 min by default)
 */
public record SignInPolicy(String domain, URI uri, long chainId, String statement, Duration challengeTtl) {
    public SignInPolicy {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(statement, "statement");
        if (challengeTtl == null || challengeTtl.toSeconds() < 1) {
            throw FunctionsException.invalid("a challenge ttl is at least one second");
        }
    }

    public static SignInPolicy defaults(String domain, URI uri, long chainId) {
        return new SignInPolicy(domain, uri, chainId, "Sign in to infermesh to get an API key.", Duration.ofMinutes(5));
    }
}
