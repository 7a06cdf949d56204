package io.infermesh.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

/** Request bodies as a client compresses them for {@code Content-Encoding: gzip} or {@code deflate} (zlib). */
final class Compressed {
    private Compressed() {}

    static byte[] gzip(byte[] body) {
        return compress(body, GZIPOutputStream::new);
    }

    static byte[] deflate(byte[] body) {
        return compress(body, DeflaterOutputStream::new);
    }

    private interface Encoder {
        OutputStream around(OutputStream out) throws IOException;
    }

    private static byte[] compress(byte[] body, Encoder encoder) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = encoder.around(out)) {
            z.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
