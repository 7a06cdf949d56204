package io.infermesh.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ModelRefTest {
    @Test
    void parsesOrgModelAndTagWithLatestAsDefault() {
        assertEquals(new ModelRef("acme", "minilm-l6", "v1.2"), ModelRef.parse("acme/minilm-l6:v1.2"));
        assertEquals(new ModelRef("acme", "minilm-l6", "latest"), ModelRef.parse("acme/minilm-l6"));
        assertEquals("acme/minilm-l6", ModelRef.parse("acme/minilm-l6:x").repository());
    }

    @Test
    void refusesNamesThatCouldEscapeTheirKeyPrefix() {
        for (String bad : new String[] {
            "acme",
            "acme/",
            "/m",
            "acme/m/x",
            "acme/../m",
            "ACME/m",
            "acme/m:",
            "acme/m:.hidden",
            "acme/m:a/b",
            "a cme/m",
            "acme/m:tag with space",
            "acme/" + "m".repeat(101)
        }) {
            ModelStoreException e = assertThrows(ModelStoreException.class, () -> ModelRef.parse(bad), bad);
            assertEquals(ModelStoreException.ErrorCode.INVALID_REFERENCE, e.code());
        }
    }
}
