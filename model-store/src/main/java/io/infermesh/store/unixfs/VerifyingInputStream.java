package io.infermesh.store.unixfs;

import io.infermesh.store.ContentMismatchException;
import io.infermesh.store.ContentSummary;
import io.infermesh.store.cid.Cid;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Passes bytes through while hashing them; at end of stream checks they hash to the expected CID and throws {@link
 * ContentMismatchException} (unchecked) from the {@code read} that reached the end if they do not. A reader that
 * consumes the stream to its end has therefore either seen exactly the content the CID names, or an exception.
 * Skipping, mark and reset are not supported (skipped bytes would go unhashed).
 */
public final class VerifyingInputStream extends FilterInputStream {
    private final Cid expected;
    private final ContentDigester digester;
    private final byte[] single = new byte[1];
    private ContentSummary summary;

    public VerifyingInputStream(InputStream in, Cid expected) {
        super(in);
        this.expected = expected;
        this.digester = ContentDigester.create(ImportOptions.impliedBy(expected));
    }

    @Override
    public int read() throws IOException {
        int n;
        do {
            n = read(single, 0, 1);
        } while (n == 0);
        return n == -1 ? -1 : single[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            digester.update(b, off, n);
        } else if (n == -1 && summary == null) {
            summary = digester.finish().requireCid(expected);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        throw new IOException("a verifying stream cannot skip: every byte must be hashed");
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /** The verified summary, once the stream was read to its end. */
    public ContentSummary summary() {
        if (summary == null) {
            throw new IllegalStateException("the stream has not been read to its end");
        }
        return summary;
    }
}
