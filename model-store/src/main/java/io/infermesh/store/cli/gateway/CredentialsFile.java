package io.infermesh.store.cli.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.infermesh.store.ModelStoreException;
import io.infermesh.store.manifest.EthAddress;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The saved login: {@code credentials.json} ({@code {"gateway","account","keyId","apiKey"}}), readable by its owner
 * only (mode 600, in a folder of mode 700). The folder is {@code $INFERMESH_CONFIG_DIR} if set, else
 * {@code $XDG_CONFIG_HOME/infermesh}, else {@code ~/.config/infermesh}. Writes are atomic: a reader sees the old file
 * or the new one, and the secret never sits in a file others can read, not even for a moment.
 */
public final class CredentialsFile {
    public static final String FILE_NAME = "credentials.json";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    private CredentialsFile() {}

    /** Where credentials live for this environment (the file need not exist). */
    public static Path locate(Map<String, String> env) {
        String configDir = env.get("INFERMESH_CONFIG_DIR");
        if (configDir != null && !configDir.isBlank()) {
            return Path.of(configDir).resolve(FILE_NAME);
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        // The XDG spec says a relative value is invalid and must be ignored.
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "infermesh", FILE_NAME);
        }
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        return Path.of(home, ".config", "infermesh", FILE_NAME);
    }

    /** The saved credentials, or empty when there is no file. */
    public static Optional<Credentials> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        JsonNode node;
        try {
            node = JSON.readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not valid JSON; delete it and log in again");
        }
        try {
            return Optional.of(new Credentials(
                    GatewayEndpoint.parse(text(node, "gateway")),
                    EthAddress.of(text(node, "account")),
                    text(node, "keyId"),
                    new ApiKey(text(node, "apiKey"))));
        } catch (IllegalArgumentException | ModelStoreException e) {
            throw new IllegalArgumentException(
                    file + " does not hold valid credentials (" + e.getMessage() + "); delete it and log in again");
        }
    }

    /** Replaces the file with {@code credentials}, creating the folder (mode 700) if needed. */
    public static void write(Path file, Credentials credentials) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            setPermissions(dir, OWNER_ONLY_DIR);
        }
        ObjectNode node = JSON.createObjectNode()
                .put("gateway", credentials.gateway().toString())
                .put("account", credentials.account().value())
                .put("keyId", credentials.keyId())
                .put("apiKey", credentials.apiKey().secret());
        boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
        Path temp = posix
                ? Files.createTempFile(
                        dir, ".credentials-", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE))
                : Files.createTempFile(dir, ".credentials-", ".tmp");
        try {
            setPermissions(temp, OWNER_ONLY_FILE); // createTempFile's mode is subject to the umask on some systems
            Files.write(temp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node));
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Removes the file; true if there was one. */
    public static boolean delete(Path file) throws IOException {
        return Files.deleteIfExists(file);
    }

    /**
     * Whether only the owner may read the file (always true on file systems without POSIX permissions, where there is
     * nothing to check).
     */
    public static boolean isOwnerOnly(Path file) throws IOException {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
            return OWNER_ONLY_FILE.containsAll(perms);
        } catch (UnsupportedOperationException e) {
            return true;
        }
    }

    private static void setPermissions(Path path, Set<PosixFilePermission> perms) throws IOException {
        try {
            Files.setPosixFilePermissions(path, perms);
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: nothing finer to set.
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("field '" + field + "' is missing");
        }
        return value.textValue();
    }
}
