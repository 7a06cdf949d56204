package io.infermesh.functions.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class LimitedInputStreamTest {
    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    @Test
    void passesAStreamOfExactlyTheLimitThrough() throws IOException {
        LimitedInputStream in = new LimitedInputStream(new ByteArrayInputStream(bytes(1000)), 1000);
        assertArrayEquals(bytes(1000), in.readAllBytes());
        assertEquals(1000, in.count());
        assertFalse(in.exceeded());
        assertEquals(-1, in.read(), "end of stream is not counted");
        assertEquals(1000, in.count());
    }

    @Test
    void failsTheBulkReadThatGoesPastTheLimitAndSaysSo() throws IOException {
        LimitedInputStream in = new LimitedInputStream(new ByteArrayInputStream(bytes(1001)), 1000);
        byte[] buf = new byte[600];
        assertEquals(600, in.read(buf, 0, 600));
        assertFalse(in.exceeded());
        IOException e = assertThrows(IOException.class, () -> in.read(buf, 0, 600));
        assertTrue(e.getMessage().contains("1000"), e.getMessage());
        assertTrue(in.exceeded());
        assertEquals(1001, in.count());
    }

    @Test
    void countsSingleByteReadsToo() throws IOException {
        LimitedInputStream in = new LimitedInputStream(new ByteArrayInputStream(bytes(3)), 2);
        assertEquals(0, in.read());
        assertEquals(1, in.read());
        assertFalse(in.exceeded());
        assertThrows(IOException.class, in::read);
        assertTrue(in.exceeded());
        assertEquals(3, in.count());
    }

    @Test
    void anEmptyStreamUnderAZeroLimitIsFine() throws IOException {
        InputStream in = new LimitedInputStream(InputStream.nullInputStream(), 0);
        assertEquals(0, in.readAllBytes().length);
    }
}
