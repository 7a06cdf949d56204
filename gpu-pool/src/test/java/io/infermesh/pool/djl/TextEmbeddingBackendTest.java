package io.infermesh.pool.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.infermesh.pool.WorkerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextEmbeddingBackendTest {
    @TempDir
    Path dir;

    private int truncation(String json) throws IOException {
        return TextEmbeddingBackend.truncationLength(Files.writeString(dir.resolve("tokenizer.json"), json));
    }

    @Test
    void readsTheTruncationLengthWhereverItSitsInTheFile() throws IOException {
        assertEquals(128, truncation("{\"truncation\": {\"max_length\": 128, \"strategy\": \"LongestFirst\"}}"));
        assertEquals(
                256,
                truncation("{\"version\": \"1.0\", \"model\": {\"vocab\": {\"a\": 1, \"b\": [2, {\"c\": 3}]}},"
                        + " \"truncation\": {\"stride\": 0, \"max_length\": 256}}"));
    }

    @Test
    void fallsBackTo512WhenTheFileSetsNoTruncation() throws IOException {
        assertEquals(512, truncation("{\"truncation\": null, \"model\": {\"vocab\": {}}}"));
        assertEquals(512, truncation("{\"model\": {}}"));
        assertEquals(512, truncation("{\"truncation\": {\"max_length\": 1}}"));
    }

    @Test
    void refusesAFileThatIsNotAJsonObject() {
        assertThrows(WorkerException.class, () -> truncation("[1, 2]"));
        assertThrows(WorkerException.class, () -> truncation("{\"truncation\": "));
    }
}
