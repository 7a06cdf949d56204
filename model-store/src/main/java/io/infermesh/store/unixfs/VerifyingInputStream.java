package io.infermesh.store.unixfs;

import io.infermesh.store.ContentMismatchException;
import io.infermesh.store.ContentSummary;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.cid.Codec;
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
    private final boolean cidOnly;
    private ContentSummary summary;
    private boolean verified;
    private long bytes;

    public VerifyingInputStream(InputStream in, Cid expected) {
        this(in, expected, false);
    }

    private VerifyingInputStream(InputStream in, Cid expected, boolean cidOnly) {
        super(in);
        this.expected = expected;
        this.cidOnly = cidOnly;
        ImportOptions options = ImportOptions.impliedBy(expected);
        this.digester = cidOnly ? ContentDigester.forCid(options) : ContentDigester.create(options);
    }

    /**
     * Checks the bytes against {@code expected} and nothing more: for a UnixFS (dag-pb) CID it hashes the leaves only,
     * skipping the whole-file SHA-256 (half the hashing). {@link #summary()} is not available on such a stream.
     */
    public static VerifyingInputStream cidOnly(InputStream in, Cid expected) {
        // A raw-codec CID is the whole-file SHA-256 itself, so it needs the full digest anyway.
        return new VerifyingInputStream(in, expected, expected.codec() != Codec.RAW);
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
            bytes += n;
            digester.update(b, off, n);
        } else if (n == -1 && !verified) {
            if (cidOnly) {
                Cid actual = digester.finishCid();
                if (!actual.equals(expected)) {
                    throw new ContentMismatchException(expected, actual, bytes);
                }
            } else {
                summary = digester.finish().requireCid(expected);
            }
            verified = true;
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
            throw new IllegalStateException(
                    cidOnly ? "a CID-only stream has no summary" : "the stream has not been read to its end");
        }
        return summary;
    }
}
