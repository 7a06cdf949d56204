package io.infermesh.store.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.store.ModelStoreException;
import io.infermesh.store.cid.Cid;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

class ManifestSignatureTest {
    // A fixed test key (never used for anything real).
    private static final ECKeyPair KEY =
            ECKeyPair.create(new BigInteger("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318", 16));

    @Test
    void recoversTheSignersAddress() {
        EthAddress owner = EthAddress.of("0x" + Keys.getAddress(KEY));
        Cid cid = manifestOwnedBy(owner).cid();
        ManifestSignature sig = ManifestSignature.sign(cid, KEY);
        assertEquals(owner, sig.recover(cid));
        assertTrue(sig.isBy(owner, cid));
        assertEquals(sig, ManifestSignature.parse(sig.toHex()));
    }

    @Test
    void aSignatureOverOneManifestDoesNotVouchForAnother() {
        EthAddress owner = EthAddress.of("0x" + Keys.getAddress(KEY));
        Cid cid = manifestOwnedBy(owner).cid();
        Cid other = Cid.parse("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
        ManifestSignature sig = ManifestSignature.sign(cid, KEY);
        assertNotEquals(owner, sig.recover(other));
        assertFalse(sig.isBy(owner, other));
    }

    @Test
    void recoversThePublishedPersonalSignVectorOfWeb3js() {
        // web3.js docs: accounts.sign('Some data', 0x4c0883a6...) by 0x2c7536E3605D9C16a7a3D7b1898e529396a65c23.
        ManifestSignature published =
                ManifestSignature.parse("0xb91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4"
                        + "f339f5fd6007e74cd82e037b800186422fc2da167c747ef045e5d18a5f5d4300f8e1a0291c");
        assertEquals(
                EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"),
                published.recoverSigner("Some data".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertEquals(
                EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"),
                EthAddress.of("0x" + Keys.getAddress(KEY)));
    }

    @Test
    void acceptsRecoveryIdsZeroAndOne() {
        Cid cid = Cid.parse("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
        byte[] bytes = ManifestSignature.sign(cid, KEY).bytes();
        bytes[64] -= 27;
        assertEquals(EthAddress.of("0x" + Keys.getAddress(KEY)), new ManifestSignature(bytes).recover(cid));
    }

    @Test
    void refusesMalformedSignatures() {
        Cid cid = Cid.parse("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
        assertThrows(ModelStoreException.class, () -> ManifestSignature.parse("0x1234"));
        assertThrows(ModelStoreException.class, () -> ManifestSignature.parse("zz".repeat(65)));
        byte[] badV = new byte[65];
        badV[64] = 5;
        ModelStoreException e = assertThrows(ModelStoreException.class, () -> new ManifestSignature(badV).recover(cid));
        assertEquals(ModelStoreException.ErrorCode.INVALID_SIGNATURE, e.code());
    }

    @Test
    void refusesASignatureWhoseROrSIsOutsideTheCurveOrderInsteadOfThrowingOrRecoveringAnAddress() {
        // secp256k1's group order n: r and s of a valid signature lie in [1, n-1] (SEC 1, 4.1.4). r = n used to end in
        // an ArithmeticException from BigInteger.modInverse (so `infermesh model verify` printed a stack trace), and
        // s = 0 "recovered" an address that holds no signature at all.
        BigInteger n = new BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);
        Cid cid = Cid.parse("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
        for (int v : new int[] {0, 1, 27, 28}) {
            for (BigInteger[] rs : new BigInteger[][] {
                {n, BigInteger.ONE},
                {BigInteger.ONE, BigInteger.ZERO},
                {BigInteger.ONE, n},
                {BigInteger.ZERO, BigInteger.ONE}
            }) {
                byte[] bytes = new byte[65];
                System.arraycopy(unsigned32(rs[0]), 0, bytes, 0, 32);
                System.arraycopy(unsigned32(rs[1]), 0, bytes, 32, 32);
                bytes[64] = (byte) v;
                ManifestSignature sig = new ManifestSignature(bytes);
                String what = "r=" + rs[0].toString(16) + " s=" + rs[1].toString(16) + " v=" + v;
                ModelStoreException e = assertThrows(ModelStoreException.class, () -> sig.recover(cid), what);
                assertEquals(ModelStoreException.ErrorCode.INVALID_SIGNATURE, e.code(), what);
            }
        }
    }

    private static byte[] unsigned32(BigInteger value) {
        byte[] raw = value.toByteArray();
        byte[] out = new byte[32];
        int len = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - len, out, 32 - len, len);
        return out;
    }

    private static Manifest manifestOwnedBy(EthAddress owner) {
        Manifest base = ManifestTest.sample(List.of(ManifestTest.file("model.onnx")));
        return new Manifest(
                base.framework(),
                base.task(),
                base.files(),
                base.inputs(),
                base.outputs(),
                base.pricePerRequest(),
                base.license(),
                owner,
                base.createdAt());
    }
}
