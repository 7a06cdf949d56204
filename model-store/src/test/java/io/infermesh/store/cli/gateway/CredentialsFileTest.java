package io.infermesh.store.cli.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.store.manifest.EthAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialsFileTest {
    private static final Credentials CREDENTIALS = new Credentials(
            GatewayEndpoint.parse("http://127.0.0.1:8080/"),
            EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"),
            "key_0123456789abcdef",
            new ApiKey("im_live_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA0wxyz"));

    @TempDir
    Path dir;

    @Test
    void roundTripsAndOnlyItsOwnerCanReadIt() throws Exception {
        Path file = dir.resolve("fresh/infermesh/credentials.json");
        CredentialsFile.write(file, CREDENTIALS);
        assertEquals(Optional.of(CREDENTIALS), CredentialsFile.read(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        assertTrue(CredentialsFile.isOwnerOnly(file));
    }

    @Test
    void writesTheFieldsTheContractNames() throws Exception {
        Path file = dir.resolve("credentials.json");
        CredentialsFile.write(file, CREDENTIALS);
        var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
        assertEquals("http://127.0.0.1:8080", node.get("gateway").asText());
        assertEquals(
                "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23",
                node.get("account").asText());
        assertEquals("key_0123456789abcdef", node.get("keyId").asText());
        assertEquals(CREDENTIALS.apiKey().secret(), node.get("apiKey").asText());
    }

    @Test
    void aSecondLoginReplacesTheFirstAndLeavesNoTemporaryFile() throws Exception {
        Path file = dir.resolve("credentials.json");
        CredentialsFile.write(file, CREDENTIALS);
        Credentials other = new Credentials(
                GatewayEndpoint.parse("https://gateway.example"),
                CREDENTIALS.account(),
                "key_fedcba9876543210",
                new ApiKey("im_live_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB1234"));
        CredentialsFile.write(file, other);
        assertEquals(Optional.of(other), CredentialsFile.read(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void noticesAFileOthersCanRead() throws Exception {
        Path file = dir.resolve("credentials.json");
        CredentialsFile.write(file, CREDENTIALS);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertFalse(CredentialsFile.isOwnerOnly(file));
    }

    @Test
    void readsNothingWhereNoOneLoggedIn() throws Exception {
        assertEquals(Optional.empty(), CredentialsFile.read(dir.resolve("credentials.json")));
    }

    @Test
    void refusesAFileThatDoesNotHoldCredentials() throws Exception {
        Path file = dir.resolve("credentials.json");
        Files.writeString(file, "{\"gateway\":\"http://x\",\"account\":\"0x12\",\"keyId\":\"k\",\"apiKey\":\"im_1\"}");
        assertThrows(IllegalArgumentException.class, () -> CredentialsFile.read(file));
        Files.writeString(file, "not json");
        assertThrows(IllegalArgumentException.class, () -> CredentialsFile.read(file));
    }

    @Test
    void locatesTheFileByConfigDirThenXdgThenHome() {
        assertEquals(
                Path.of("/cfg/credentials.json"),
                CredentialsFile.locate(Map.of("INFERMESH_CONFIG_DIR", "/cfg", "XDG_CONFIG_HOME", "/xdg")));
        assertEquals(
                Path.of("/xdg/infermesh/credentials.json"),
                CredentialsFile.locate(Map.of("XDG_CONFIG_HOME", "/xdg", "HOME", "/home/u")));
        assertEquals(
                Path.of("/home/u/.config/infermesh/credentials.json"),
                CredentialsFile.locate(Map.of("XDG_CONFIG_HOME", "relative", "HOME", "/home/u")));
    }

    @Test
    void neverShowsTheSecretInText() {
        assertFalse(CREDENTIALS.toString().contains(CREDENTIALS.apiKey().secret()), CREDENTIALS.toString());
        assertTrue(CREDENTIALS.toString().contains("wxyz"));
    }

    @Test
    void refusesApiKeysThatCouldBreakAHeader() {
        assertThrows(IllegalArgumentException.class, () -> new ApiKey("im_live_abc\r\nX-Evil: 1"));
        assertThrows(IllegalArgumentException.class, () -> new ApiKey("sk-not-ours"));
    }
}
