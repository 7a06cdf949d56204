package io.infermesh.functions.quarkus;

import static io.infermesh.functions.testing.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class DecodedBodyTest {
    @Test
    void decodesGzipAndDeflateToTheOriginalBytes() throws IOException {
        byte[] original = new byte[300_000];
        new Random(1).nextBytes(original);
        assertArrayEquals(original, new DecodedBody(stream(gzip(original)), "gzip").readAllBytes());
        assertArrayEquals(original, new DecodedBody(stream(deflate(original)), "deflate").readAllBytes());
        assertArrayEquals(original, new DecodedBody(stream(gzip(original)), "x-gzip").readAllBytes());
    }

    @Test
    void corruptOrTruncatedBytesAreAnInvalidEncodingProblem() throws IOException {
        byte[] json = "{\"input\": \"hello\"}".repeat(100).getBytes();
        refused(400, "invalid_encoding", () -> readAll(new DecodedBody(stream(json), "gzip")));
        byte[] gz = gzip(json);
        refused(
                400,
                "invalid_encoding",
                () -> readAll(new DecodedBody(stream(Arrays.copyOf(gz, gz.length - 10)), "gzip")));
        refused(400, "invalid_encoding", () -> readAll(new DecodedBody(stream(json), "deflate")));
    }

    @Test
    void aBodyThatExpandsPastTheRatioIsRefusedBeforeItIsAllRead() throws IOException {
        byte[] zeros = new byte[64 << 20]; // 64 MiB of zeros compress to about 64 KiB: over 1000×
        byte[] bomb = gzip(zeros);
        assertTrue(bomb.length * DecodedBody.MAX_RATIO < zeros.length, "the test's body must exceed the ratio");
        refused(413, "payload_too_large", () -> readAll(new DecodedBody(stream(bomb), "gzip")));

        // Real inputs: 4 MB of JSON sentences drawn from a small vocabulary, which gzip shrinks several times over.
        String[] words = {"a", "man", "is", "playing", "the", "guitar", "someone", "plays", "music", "on", "stage"};
        Random random = new Random(2);
        StringBuilder text = new StringBuilder("{\"input\": [");
        while (text.length() < 4_000_000) {
            text.append('"');
            for (int i = 0; i < 12; i++) {
                text.append(words[random.nextInt(words.length)]).append(' ');
            }
            text.append("\", ");
        }
        byte[] json = text.append("\"end\"]}").toString().getBytes();
        assertArrayEquals(json, new DecodedBody(stream(gzip(json)), "gzip").readAllBytes());
    }

    private static InputStream stream(byte[] b) {
        return new ByteArrayInputStream(b);
    }

    private static byte[] readAll(InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }

    private static byte[] deflate(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }
}
