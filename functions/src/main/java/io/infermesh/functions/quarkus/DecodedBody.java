package io.infermesh.functions.quarkus;

import io.infermesh.functions.api.ProblemException;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

/**
 * A request body sent with {@code Content-Encoding: gzip} or {@code deflate} (the zlib format, as HTTP defines it),
 * decompressed as it is read. The decoder is created at the first read, on the thread that reads the body (creating
 * a {@link GZIPInputStream} reads the gzip header). Bytes that are not valid for the encoding, or that end early,
 * surface as 400 {@code invalid_encoding} from whichever read meets them, so a resource, a JSON reader or a blob
 * upload all fail the same clear way instead of with an I/O error.
 *
 * <p>Expansion is bounded: past {@value #SLACK_BYTES} bytes, the decoded body may be at most {@value #MAX_RATIO}
 * times the compressed bytes read so far, else 413 {@code payload_too_large}. Real payloads stay far below it (JSON
 * compresses 3-10×, model weights barely), while a few kilobytes of compressed zeros would otherwise make the gateway
 * stream gigabytes into the store before the CID check refuses them. Not thread-safe, like any input stream.
 */
final class DecodedBody extends InputStream {
    static final long MAX_RATIO = 1024;
    static final long SLACK_BYTES = 1 << 20;

    private final CountingStream raw;
    private final String encoding;
    private InputStream decoded;
    private long decodedBytes;
    private final byte[] one = new byte[1];

    DecodedBody(InputStream raw, String encoding) {
        this.raw = new CountingStream(raw);
        this.encoding = encoding;
    }

    @Override
    public int read() throws IOException {
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n;
        try {
            n = decoded().read(b, off, len);
        } catch (ZipException | EOFException e) {
            throw corrupt(e);
        }
        if (n > 0) {
            decodedBytes += n;
            if (decodedBytes > SLACK_BYTES && decodedBytes > MAX_RATIO * raw.count) {
                throw new ProblemException(
                        413,
                        "payload_too_large",
                        "the " + encoding + " body expands more than " + MAX_RATIO + "× (" + raw.count + " bytes gave "
                                + decodedBytes + " so far); send it uncompressed");
            }
        }
        return n;
    }

    @Override
    public void close() throws IOException {
        raw.close();
    }

    private InputStream decoded() throws IOException {
        if (decoded == null) {
            decoded = encoding.equals("deflate") ? new InflaterInputStream(raw) : new GZIPInputStream(raw);
        }
        return decoded;
    }

    /** Counts the compressed bytes the decoder has read. */
    private static final class CountingStream extends FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }

    private ProblemException corrupt(IOException e) {
        String why = e instanceof EOFException ? "it ends before the compressed data does" : e.getMessage();
        return new ProblemException(
                400,
                "invalid_encoding",
                "the body is not valid " + encoding + " data (Content-Encoding: " + encoding + "): " + why
                        + "; send it uncompressed or compress it again");
    }
}
