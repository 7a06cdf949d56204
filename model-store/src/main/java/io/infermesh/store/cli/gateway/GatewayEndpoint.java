package io.infermesh.store.cli.gateway;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Where a gateway listens: an {@code http} or {@code https} URL with a host, and optionally a path prefix (a gateway
 * behind a reverse proxy), without query, fragment or user info. Kept without a trailing slash, so two spellings of
 * the same gateway compare equal.
 *
 * @param uri the base URL
 */
public record GatewayEndpoint(URI uri) {
    public static final GatewayEndpoint LOCAL = parse("http://127.0.0.1:8080");

    public GatewayEndpoint {
        if (uri == null
                || uri.getScheme() == null
                || !(uri.getScheme().equalsIgnoreCase("http") || uri.getScheme().equalsIgnoreCase("https"))
                || uri.getHost() == null
                || uri.getRawQuery() != null
                || uri.getRawFragment() != null
                || uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("gateway '" + uri
                    + "' is not a plain http(s) URL such as http://127.0.0.1:8080 (no query, fragment or user info)");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
        uri = URI.create(uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getRawAuthority() + path);
    }

    public static GatewayEndpoint parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("gateway URL is empty");
        }
        try {
            return new GatewayEndpoint(new URI(text.strip()));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("gateway '" + text + "' is not a valid URL: " + e.getMessage());
        }
    }

    /** The URL of {@code pathAndQuery} (which starts with '/', already percent-encoded) on this gateway. */
    public URI resolve(String pathAndQuery) {
        if (!pathAndQuery.startsWith("/")) {
            throw new IllegalArgumentException("a gateway path starts with '/': " + pathAndQuery);
        }
        return URI.create(uri + pathAndQuery);
    }

    @Override
    public String toString() {
        return uri.toString();
    }
}
