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
    void matchesTheSignatureAnyWalletProducesForThePersonalSignMessage() {
        // EIP-191 vector: web3j's own personal_sign of the same text must give identical bytes.
        Cid cid = Cid.parse("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
        var expected = org.web3j.crypto.Sign.signPrefixedMessage(cid.toString().getBytes(), KEY);
        byte[] ours = ManifestSignature.sign(cid, KEY).bytes();
        assertEquals(new BigInteger(1, expected.getR()), new BigInteger(1, java.util.Arrays.copyOfRange(ours, 0, 32)));
        assertEquals(expected.getV()[0], ours[64]);
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
