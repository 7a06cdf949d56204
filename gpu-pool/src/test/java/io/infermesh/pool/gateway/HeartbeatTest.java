package io.infermesh.pool.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeartbeatTest {
    private static final Cid CID = ContentDigester.digest(new byte[] {1, 2, 3}, ImportOptions.defaults())
            .cid();

    @Test
    void theBodyHasTheContractsFieldsAndTypes() throws Exception {
        var json = new Heartbeat(3, List.of(new Heartbeat.LoadedModel(CID.toString(), CID)), 123L << 30, 12.5).toJson();
        assertEquals(
                new ObjectMapper()
                        .readTree("{\"inflight\":3,\"models\":[{\"name\":\"" + CID + "\",\"manifestCid\":\"" + CID
                                + "\"}],\"freeMemoryBytes\":132070244352,\"capabilityScore\":12.5}"),
                json);
    }

    @Test
    void refusesNumbersTheGatewayWouldRefuse() {
        assertThrows(IllegalArgumentException.class, () -> new Heartbeat(-1, List.of(), 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Heartbeat(0, List.of(), -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Heartbeat(0, List.of(), 0, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new Heartbeat(0, List.of(), 0, Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> new Heartbeat(0, List.of(), 0, -0.5));
    }
}
