package io.infermesh.store.cli.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProblemTest {
    private static final Optional<String> PROBLEM_JSON = Optional.of("application/problem+json");

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsTheCodeDetailAndRequestIdOfAProblem() {
        Problem p = Problem.parse(
                402,
                PROBLEM_JSON,
                bytes("{\"type\":\"https://infermesh.io/problems/insufficient_balance\",\"title\":\"Payment required\","
                        + "\"status\":402,\"code\":\"insufficient_balance\",\"detail\":\"balance 5 wei < price 10 wei\","
                        + "\"requestId\":\"req-1\",\"balanceWei\":\"5\",\"priceWei\":\"10\"}"),
                Optional.of("req-header"));
        assertEquals(402, p.status());
        assertEquals("insufficient_balance", p.code());
        assertEquals("balance 5 wei < price 10 wei", p.detail());
        assertEquals(Optional.of("req-1"), p.requestId());
    }

    @Test
    void listsTheBlobsAMissingBlobsProblemNames() {
        Problem p = Problem.parse(
                422,
                Optional.of("application/problem+json; charset=utf-8"),
                bytes("{\"status\":422,\"code\":\"missing_blobs\",\"detail\":\"upload these first\","
                        + "\"missing\":[\"bafkreia\",\"bafkreib\"]}"),
                Optional.of("req-9"));
        assertEquals(List.of("bafkreia", "bafkreib"), p.missing());
        assertEquals(Optional.of("req-9"), p.requestId());
    }

    @Test
    void anErrorWithoutAProblemBodyStillHasAStatusCode() {
        Problem p = Problem.parse(502, Optional.of("text/html"), bytes("<html>Bad Gateway</html>"), Optional.empty());
        assertEquals("http_502", p.code());
        assertTrue(p.detail().contains("Bad Gateway"), p.detail());

        Problem empty = Problem.parse(503, Optional.empty(), new byte[0], Optional.empty());
        assertEquals("http_503", empty.code());
    }

    @Test
    void aCodeOutsideTheContractAlphabetIsNotTrusted() {
        Problem p = Problem.parse(400, PROBLEM_JSON, bytes("{\"code\":\"Rm -rf\",\"detail\":\"x\"}"), Optional.empty());
        assertEquals("http_400", p.code());
    }

    @Test
    void keepsControlCharactersFromTheGatewayOffTheTerminal() {
        Problem p = Problem.parse(
                400,
                PROBLEM_JSON,
                bytes("{\"code\":\"invalid_request\",\"detail\":\"bad\\u001b[2Jinput\\nnext\"}"),
                Optional.empty());
        assertFalse(p.detail().chars().anyMatch(Character::isISOControl), p.detail());
    }

    @Test
    void isAlwaysAnErrorStatus() {
        assertThrows(IllegalArgumentException.class, () -> new Problem(200, "ok", "fine", Optional.empty(), List.of()));
    }
}
