package io.infermesh.store.cli.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import org.junit.jupiter.api.Test;

class GatewayEndpointTest {
    @Test
    void twoSpellingsOfOneGatewayAreEqual() {
        assertEquals(GatewayEndpoint.parse("HTTP://127.0.0.1:8080/"), GatewayEndpoint.parse("http://127.0.0.1:8080"));
        assertEquals(
                URI.create("https://gw.example/infermesh/v1/account"),
                GatewayEndpoint.parse("https://gw.example/infermesh//").resolve("/v1/account"));
    }

    @Test
    void refusesWhatIsNotAPlainHttpUrl() {
        for (String bad : new String[] {
            "ftp://gw.example", "127.0.0.1:8080", "http://gw.example/?x=1", "http://user:pw@gw.example", "", "http://"
        }) {
            assertThrows(IllegalArgumentException.class, () -> GatewayEndpoint.parse(bad), bad);
        }
    }
}
