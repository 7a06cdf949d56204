package io.infermesh.store.cli;

/**
 * The exit status of every {@code infermesh} command; scripts and tests switch on these. A failure prints one line
 * {@code error: <detail> (<code>)} (gateway problems) or {@code error [CODE]: <message>} (model-store checks) on
 * standard error.
 */
public final class ExitCodes {
    /** Done. */
    public static final int OK = 0;
    /** Bad input or a local check failed: unreadable file, invalid reference or manifest, bytes that miss their CID. */
    public static final int INPUT = 1;
    /** The command line does not parse (picocli's usage error). */
    public static final int USAGE = 2;
    /** The gateway refused the request (a 4xx problem not covered below): fix the request. */
    public static final int REFUSED = 3;
    /** No API key for this gateway, or the gateway says 401/403: log in, or use a key that may do this. */
    public static final int NOT_AUTHORIZED = 4;
    /** The account's balance cannot pay for the call (402 {@code insufficient_balance}). */
    public static final int INSUFFICIENT_BALANCE = 5;
    /** The gateway is overloaded, has no capacity or failed (429, 5xx): nothing was charged; retry later. */
    public static final int UNAVAILABLE = 6;
    /** The gateway (or the blob store it redirects to) could not be reached or did not answer in time. */
    public static final int UNREACHABLE = 7;
    /** The gateway answered outside its contract (unexpected status or body): a gateway bug or a wrong URL. */
    public static final int PROTOCOL = 8;

    private ExitCodes() {}
}
