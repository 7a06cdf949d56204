package io.infermesh.pool.quarkus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WorkerIdentityTest {
    @Test
    void theDefaultIdIsHostNameAndGrpcPort() {
        assertEquals(
                "gpu-box-1.pool.example:9000",
                WorkerIdentity.defaultId("gpu-box-1.pool.example", 9000).value());
    }

    @Test
    void aHostNameOutsideTheIdAlphabetIsCleanedAndCutToLength() {
        assertEquals("my-box-:9000", WorkerIdentity.defaultId("-my box!", 9000).value());
        assertEquals("worker:9000", WorkerIdentity.defaultId("__", 9000).value());
        String id = WorkerIdentity.defaultId("h".repeat(300), 65535).value();
        assertEquals(128, id.length());
        assertTrue(id.endsWith(":65535"), id);
    }
}
