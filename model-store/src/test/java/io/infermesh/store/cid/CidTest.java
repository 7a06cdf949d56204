package io.infermesh.store.cid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CidTest {
    private static final String EMPTY_RAW = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
    private static final String HELLO_V0 = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o";

    @Test
    void printsTheRawCidOfTheEmptyStringAsIpfsDoes() throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(new byte[0]);
        assertEquals(EMPTY_RAW, Cid.v1(Codec.RAW, Multihash.sha256(digest)).toString());
    }

    @Test
    void roundTripsV1TextAndBinary() {
        Cid cid = Cid.parse(EMPTY_RAW);
        assertEquals(1, cid.version());
        assertEquals(Codec.RAW, cid.codec());
        assertEquals(EMPTY_RAW, cid.toString());
        assertEquals(cid, Cid.fromBytes(cid.toBytes()));
    }

    @Test
    void roundTripsV0AndConvertsToV1() {
        Cid v0 = Cid.parse(HELLO_V0);
        assertEquals(0, v0.version());
        assertEquals(HELLO_V0, v0.toString());
        assertEquals(34, v0.toBytes().length);
        Cid v1 = v0.toV1();
        assertEquals("bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2mby", v1.toString());
        assertEquals(v0.multihash(), v1.multihash());
    }

    @Test
    void acceptsTheSameCidInEveryMultibaseItSupports() {
        Cid cid = Cid.parse(EMPTY_RAW);
        assertEquals(cid, Cid.parse(Multibase.BASE58BTC.encode(cid.toBytes())));
        assertEquals(cid, Cid.parse(Multibase.BASE16.encode(cid.toBytes())));
        assertEquals(cid, Cid.parse(EMPTY_RAW.toUpperCase()));
    }

    @Test
    void encodesBase58WithLeadingZeroBytes() {
        byte[] data = {0, 0, 1, 2, 3};
        String text = Base58.encode(data);
        assertEquals("11Ldp", text);
        assertArrayEquals(data, Base58.decode(text));
    }

    @Test
    void encodesBase32AsRfc4648WithoutPadding() {
        assertEquals("mzxw6ytboi", Base32.encode("foobar".getBytes(StandardCharsets.US_ASCII)));
        assertArrayEquals("foobar".getBytes(StandardCharsets.US_ASCII), Base32.decode("MZXW6YTBOI", true));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "hello",
                "bafkrei",
                "Qm1111111111111111111111111111111111111111111",
                "xafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
                "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyk1",
                "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvykuaa",
                "../../etc/passwd",
                "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku/../x"
            })
    void rejectsTextThatIsNotACid(String text) {
        assertThrows(InvalidCidException.class, () -> Cid.parse(text));
    }

    @Test
    void rejectsCodecsAndHashesTheStoreDoesNotHold() {
        byte[] digest = new byte[32];
        // dag-cbor (0x71) is a real codec, but not one the store verifies.
        byte[] dagCbor = concat(new byte[] {1, 0x71, 0x12, 32}, digest);
        assertThrows(InvalidCidException.class, () -> Cid.fromBytes(dagCbor));
        // sha2-512 (0x13) multihash.
        byte[] sha512 = concat(new byte[] {1, 0x55, 0x13, 64}, new byte[64]);
        assertThrows(InvalidCidException.class, () -> Cid.fromBytes(sha512));
        // identity multihash smuggles data instead of a digest.
        byte[] identity = concat(new byte[] {1, 0x55, 0x00, 3}, new byte[] {1, 2, 3});
        assertThrows(InvalidCidException.class, () -> Cid.fromBytes(identity));
        assertThrows(
                InvalidCidException.class, () -> Cid.parse("f" + HexFormat.of().formatHex(dagCbor)));
    }

    @Test
    void rejectsTruncatedAndPaddedBinaryCids() {
        byte[] good = Cid.parse(EMPTY_RAW).toBytes();
        assertThrows(InvalidCidException.class, () -> Cid.fromBytes(java.util.Arrays.copyOf(good, good.length - 1)));
        assertThrows(InvalidCidException.class, () -> Cid.fromBytes(concat(good, new byte[] {0})));
    }

    @Test
    void readsAndWritesMinimalVarintsOnly() {
        for (long v : new long[] {0, 1, 127, 128, 300, 16384, Long.MAX_VALUE >>> 1}) {
            byte[] encoded = Varint.encode(v);
            assertEquals(Varint.size(v), encoded.length);
            assertEquals(v, Varint.read(encoded, 0).value());
        }
        assertArrayEquals(new byte[] {(byte) 0xAC, 0x02}, Varint.encode(300));
        assertThrows(InvalidCidException.class, () -> Varint.read(new byte[] {(byte) 0x81, 0x00}, 0));
        assertThrows(InvalidCidException.class, () -> Varint.read(new byte[] {(byte) 0x80}, 0));
        byte[] tooLong = new byte[10];
        java.util.Arrays.fill(tooLong, (byte) 0x80);
        assertThrows(InvalidCidException.class, () -> Varint.read(tooLong, 0));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void refusesABase32BodyWhoseCaseDoesNotMatchItsPrefix() {
        // multibase 'b' is lower-case base32 and 'B' upper-case, throughout (as go-cid and js-multiformats read it)
        String cid = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
        assertEquals(cid, Cid.parse(cid).toString());
        assertEquals(cid, Cid.parse(cid.toUpperCase(java.util.Locale.ROOT)).toString());
        InvalidCidException mixed = assertThrows(InvalidCidException.class, () -> Cid.parse("bAFK" + cid.substring(4)));
        assertTrue(mixed.getMessage().contains("lower-case base32 throughout"), mixed.getMessage());
        assertThrows(InvalidCidException.class, () -> Cid.parse("B" + cid.substring(1)));
    }
}
