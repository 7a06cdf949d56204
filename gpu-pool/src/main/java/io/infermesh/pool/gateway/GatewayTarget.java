package io.infermesh.pool.gateway;

import java.util.regex.Pattern;

/**
 * The {@code host:port} a gateway dials to reach a worker's gRPC endpoint: a host name, an IPv4 address or a
 * bracketed IPv6 address, and a port 1-65535.
 */
public final class GatewayTarget {
    private static final Pattern FORMAT =
            Pattern.compile("([A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}]):([0-9]{1,5})");

    private GatewayTarget() {}

    /** Returns {@code target} if it is {@code host:port}; otherwise throws {@link IllegalArgumentException}. */
    public static String require(String target) {
        var m = target == null ? null : FORMAT.matcher(target);
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("'" + target + "' is not host:port (a bracketed [IPv6]:port is fine)");
        }
        int port = Integer.parseInt(m.group(2));
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("'" + target + "' has port " + port + "; a port is 1-65535");
        }
        return target;
    }
}
