package io.infermesh.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.store.manifest.EthAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;

class Eip191Test {
    private static final byte[] SOME_DATA = "Some data".getBytes(StandardCharsets.UTF_8);

    @Test
    void signsLikeWeb3jsPersonalSign() {
        // web3.js docs: web3.eth.accounts.sign('Some data', '0x4c0883a6...')
        assertEquals(
                "0xb91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4f339f5fd6007e74cd82e037b800186422fc2da167c747ef045e5d18a5f5d4300f8e1a0291c",
                Eip191.sign(SOME_DATA, TestKeys.docsKey()));
    }

    @Test
    void recoversTheSignersAddress() {
        ECKeyPair key = TestKeys.random();
        String sig = Eip191.sign(SOME_DATA, key);
        assertEquals(Optional.of(TestKeys.address(key)), Eip191.recover(SOME_DATA, sig));
        assertEquals(
                Optional.of(EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23")),
                Eip191.recover(SOME_DATA, Eip191.sign(SOME_DATA, TestKeys.docsKey())));
    }

    @Test
    void acceptsRecoveryIdZeroOrOne() {
        ECKeyPair key = TestKeys.random();
        String sig = Eip191.sign(SOME_DATA, key);
        int v = Integer.parseInt(sig.substring(130), 16) - 27;
        String lowV = sig.substring(0, 130) + String.format("%02x", v);
        assertEquals(Optional.of(TestKeys.address(key)), Eip191.recover(SOME_DATA, lowV));
    }

    @Test
    void anotherMessageRecoversAnotherAddress() {
        ECKeyPair key = TestKeys.random();
        String sig = Eip191.sign(SOME_DATA, key);
        Optional<EthAddress> other = Eip191.recover("Some datA".getBytes(StandardCharsets.UTF_8), sig);
        assertNotEquals(Optional.of(TestKeys.address(key)), other);
    }

    @Test
    void malformedSignaturesRecoverNothing() {
        assertTrue(Eip191.recover(SOME_DATA, null).isEmpty());
        assertTrue(Eip191.recover(SOME_DATA, "0x1234").isEmpty());
        assertTrue(Eip191.recover(SOME_DATA, "0x" + "00".repeat(64) + "1b").isEmpty());
        String sig = Eip191.sign(SOME_DATA, TestKeys.random());
        assertTrue(Eip191.recover(SOME_DATA, sig.substring(0, 130) + "1d").isEmpty());
    }
}
