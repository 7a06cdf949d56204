package io.infermesh.functions.quarkus;

import io.infermesh.functions.api.ProblemException;
import java.io.EOFException;
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
 * upload all fail the same clear way instead of with an I/O error. Not thread-safe, like any input stream.
 */
final class DecodedBody extends InputStream {
    private final InputStream raw;
    private final String encoding;
    private InputStream decoded;

    DecodedBody(InputStream raw, String encoding) {
        this.raw = raw;
        this.encoding = encoding;
    }

    @Override
    public int read() throws IOException {
        try {
            return decoded().read();
        } catch (ZipException | EOFException e) {
            throw corrupt(e);
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        try {
            return decoded().read(b, off, len);
        } catch (ZipException | EOFException e) {
            throw corrupt(e);
        }
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

    private ProblemException corrupt(IOException e) {
        String why = e instanceof EOFException ? "it ends before the compressed data does" : e.getMessage();
        return new ProblemException(
                400,
                "invalid_encoding",
                "the body is not valid " + encoding + " data (Content-Encoding: " + encoding + "): " + why
                        + "; send it uncompressed or compress it again");
    }
}
