package io.infermesh.functions;

import io.infermesh.store.manifest.EthAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Sign-In with Ethereum (EIP-4361) message, the text an account signs with EIP-191 {@code personal_sign} to get
 * an API key. Exactly this layout (LF line ends, times in ISO-8601 UTC with seconds):
 *
 * <pre>
 * {domain} wants you to sign in with your Ethereum account:
 * {address, EIP-55}
 *
 * {statement}
 *
 * URI: {uri}
 * Version: 1
 * Chain ID: {chainId}
 * Nonce: {nonce, 32 hex digits}
 * Issued At: {issuedAt}
 * Expiration Time: {expiresAt}
 * </pre>
 *
 * @param domain the gateway's host (RFC 3986 authority), which the wallet shows the user
 * @param address the account signing in
 * @param statement one line shown to the user
 * @param uri the gateway's sign-in URI
 * @param chainId the EVM chain the account lives on
 * @param nonce single-use challenge id issued by the gateway
 * @param issuedAt when the challenge was issued
 * @param expiresAt after this the signature is refused
 */
public record SignInMessage(
        String domain,
        EthAddress address,
        String statement,
        URI uri,
        long chainId,
        String nonce,
        Instant issuedAt,
        Instant expiresAt) {
    private static final Pattern DOMAIN = Pattern.compile("[A-Za-z0-9.-]+(:[0-9]{1,5})?");
    private static final Pattern NONCE = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern LAYOUT = Pattern.compile("(?<domain>\\S+) wants you to sign in with your Ethereum"
            + " account:\n(?<address>0x[0-9a-fA-F]{40})\n\n(?<statement>[^\n]+)\n\nURI: (?<uri>[^\n]+)\n"
            + "Version: 1\nChain ID: (?<chain>[0-9]{1,18})\nNonce: (?<nonce>[^\n]+)\nIssued At: (?<iat>[^\n]+)\n"
            + "Expiration Time: (?<exp>[^\n]+)");

    public SignInMessage {
        if (domain == null || !DOMAIN.matcher(domain).matches()) {
            throw FunctionsException.invalid("a sign-in domain is a host[:port]");
        }
        Objects.requireNonNull(address, "address");
        if (statement == null || statement.isBlank() || statement.contains("\n") || statement.contains("\r")) {
            throw FunctionsException.invalid("a sign-in statement is one non-empty line");
        }
        if (uri == null || !uri.isAbsolute()) {
            throw FunctionsException.invalid("a sign-in URI is absolute");
        }
        if (chainId < 1) {
            throw FunctionsException.invalid("a chain id is 1 or more");
        }
        if (nonce == null || !NONCE.matcher(nonce).matches()) {
            throw FunctionsException.invalid("a sign-in nonce is 32 lower-case hex digits");
        }
        Objects.requireNonNull(issuedAt, "issuedAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
        if (issuedAt.getNano() != 0 || expiresAt.getNano() != 0) {
            throw FunctionsException.invalid("sign-in times are whole seconds");
        }
        if (!expiresAt.isAfter(issuedAt)) {
            throw FunctionsException.invalid("a sign-in message expires after it is issued");
        }
    }

    /** The exact text to sign. */
    public String text() {
        return domain + " wants you to sign in with your Ethereum account:\n" + address + "\n\n" + statement
                + "\n\nURI: " + uri + "\nVersion: 1\nChain ID: " + chainId + "\nNonce: " + nonce + "\nIssued At: "
                + issuedAt + "\nExpiration Time: " + expiresAt;
    }

    /** The UTF-8 bytes of {@link #text()}, the EIP-191 message. */
    public byte[] bytes() {
        return text().getBytes(StandardCharsets.UTF_8);
    }

    /** Parses a message in exactly the layout above; empty if it is not one. */
    public static Optional<SignInMessage> parse(String text) {
        if (text == null || text.length() > 4096) {
            return Optional.empty();
        }
        Matcher m = LAYOUT.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            SignInMessage parsed = new SignInMessage(
                    m.group("domain"),
                    EthAddress.of(m.group("address")),
                    m.group("statement"),
                    URI.create(m.group("uri")),
                    Long.parseLong(m.group("chain")),
                    m.group("nonce"),
                    Instant.parse(m.group("iat")),
                    Instant.parse(m.group("exp")));
            // one text per message: a re-rendering that differs (case, time format) is not this layout
            return parsed.text().equals(text) ? Optional.of(parsed) : Optional.empty();
        } catch (RuntimeException | Error e) {
            return Optional.empty();
        }
    }
}
