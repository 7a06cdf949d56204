package io.infermesh.functions.models;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Passes at most {@code limit} bytes through; reading past them fails the stream with an {@link IOException}, so a
 * store streaming from it aborts and keeps nothing. {@link #exceeded()} tells the caller why it failed.
 */
final class LimitedInputStream extends FilterInputStream {
    private final long limit;
    private long count;
    private boolean exceeded;

    LimitedInputStream(InputStream in, long limit) {
        super(in);
        this.limit = limit;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            account(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n > 0) {
            account(n);
        }
        return n;
    }

    private void account(long n) throws IOException {
        count += n;
        if (count > limit) {
            exceeded = true;
            throw new IOException("more than " + limit + " bytes");
        }
    }

    long count() {
        return count;
    }

    boolean exceeded() {
        return exceeded;
    }
}
