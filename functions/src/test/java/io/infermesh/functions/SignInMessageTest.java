package io.infermesh.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.store.manifest.EthAddress;
import java.net.URI;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SignInMessageTest {
    private static final SignInMessage MESSAGE = new SignInMessage(
            "gateway.infermesh.io",
            EthAddress.of("0x2c7536e3605d9c16a7a3d7b1898e529396a65c23"),
            "Sign in to infermesh to get an API key.",
            URI.create("https://gateway.infermesh.io/v1/auth/sign-in"),
            31337,
            "0123456789abcdef0123456789abcdef",
            Instant.parse("2026-11-22T05:00:00Z"),
            Instant.parse("2026-11-22T05:05:00Z"));

    @Test
    void rendersTheEip4361Layout() {
        assertEquals("""
                gateway.infermesh.io wants you to sign in with your Ethereum account:
                0x2c7536E3605D9C16a7a3D7b1898e529396a65c23

                Sign in to infermesh to get an API key.

                URI: https://gateway.infermesh.io/v1/auth/sign-in
                Version: 1
                Chain ID: 31337
                Nonce: 0123456789abcdef0123456789abcdef
                Issued At: 2026-11-22T05:00:00Z
                Expiration Time: 2026-11-22T05:05:00Z""", MESSAGE.text());
    }

    @Test
    void parsesWhatItRenders() {
        assertEquals(Optional.of(MESSAGE), SignInMessage.parse(MESSAGE.text()));
    }

    @Test
    void refusesAnyOtherSpelling() {
        String text = MESSAGE.text();
        assertTrue(SignInMessage.parse(text.replace("\n", "\r\n")).isEmpty());
        assertTrue(SignInMessage.parse(text + "\n").isEmpty());
        assertTrue(SignInMessage.parse(text.replace(
                        "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23", "0x2c7536e3605d9c16a7a3d7b1898e529396a65c23"))
                .isEmpty());
        assertTrue(
                SignInMessage.parse(text.replace("05:05:00Z", "05:05:00.000Z")).isEmpty());
        assertTrue(SignInMessage.parse(text.replace("Version: 1", "Version: 2")).isEmpty());
        assertTrue(SignInMessage.parse("hello").isEmpty());
        assertTrue(SignInMessage.parse(null).isEmpty());
    }

    @Test
    void refusesAMessageThatExpiresBeforeItIsIssued() {
        assertThrows(
                FunctionsException.class,
                () -> new SignInMessage(
                        MESSAGE.domain(),
                        MESSAGE.address(),
                        MESSAGE.statement(),
                        MESSAGE.uri(),
                        1,
                        MESSAGE.nonce(),
                        MESSAGE.expiresAt(),
                        MESSAGE.issuedAt()));
    }
}
