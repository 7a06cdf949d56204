package io.infermesh.pool.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.store.manifest.EthAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PoolKeyTest {
    @TempDir
    Path dir;

    @Test
    void readsAKeyFileWithOrWithoutThe0xPrefix() throws Exception {
        for (String content : new String[] {
            "0x" + TestKeys.DOCS_PRIVATE_KEY + "\n",
            TestKeys.DOCS_PRIVATE_KEY,
            "  0x4C0883A69102937D6231471B5DBB6204FE5129617082792AE468D01A3F362318 \n"
        }) {
            Path file = Files.writeString(dir.resolve("key-" + content.strip().length()), content);
            assertEquals(
                    EthAddress.of(TestKeys.DOCS_ADDRESS), PoolKey.read(file).address(), content);
        }
    }

    @Test
    void refusesAFileThatHoldsNoKeyWithoutEchoingIt() throws Exception {
        Path file = Files.writeString(dir.resolve("short"), "0x" + TestKeys.DOCS_PRIVATE_KEY.substring(2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PoolKey.read(file));
        assertTrue(e.getMessage().contains("64 hex digits"), e.getMessage());
        assertFalse(e.getMessage().contains(TestKeys.DOCS_PRIVATE_KEY.substring(2)), "the key text is never echoed");
        assertThrows(IllegalArgumentException.class, () -> PoolKey.read(dir.resolve("missing")));
    }

    @Test
    void printsItsAddressNotItsPrivateKey() {
        String text = TestKeys.docsKey().toString();
        assertTrue(text.contains(TestKeys.DOCS_ADDRESS), text);
        assertFalse(text.toLowerCase().contains(TestKeys.DOCS_PRIVATE_KEY.substring(0, 16)), text);
    }
}
