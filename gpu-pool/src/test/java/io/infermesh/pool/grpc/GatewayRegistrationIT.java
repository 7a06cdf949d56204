package io.infermesh.pool.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.infermesh.openapi.inference.GRPCInferenceServiceGrpc;
import io.infermesh.openapi.inference.ServerLiveRequest;
import io.infermesh.store.testing.DeployedService;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged worker ({@code deploy/worker.sh}) configured to register with a gateway. The real gateway's end-to-end
 * test lives with the gateway; here the gateway is a loopback port nobody listens on (the gateway is down), and the
 * configuration is wrong in ways that must stop the start.
 */
class GatewayRegistrationIT {
    /** The web3.js documentation key: a throwaway pool key. */
    private static final String POOL_KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

    @TempDir
    Path tmp;

    @Test
    void aWorkerWhoseGatewayIsDownStillBecomesReadyServesAndSaysSo() throws Exception {
        Path keyFile = Files.writeString(tmp.resolve("pool.key"), POOL_KEY + "\n");
        try (DeployedService worker = DeployedService.start(
                "worker.sh",
                tmp.resolve("worker"),
                Map.of(
                        "INFERMESH_POOL_GATEWAY_URL",
                        "http://127.0.0.1:" + closedPort(),
                        "INFERMESH_POOL_GATEWAY_POOL_KEY_FILE",
                        keyFile.toString(),
                        "INFERMESH_POOL_BENCHMARK_ENABLED",
                        "false"))) {
            String phase = "";
            for (int i = 0; i < 300 && !phase.equals("unreachable"); i++) {
                phase = workerCheck(readiness(worker))
                        .path("data")
                        .path("gateway")
                        .asText();
                if (!phase.equals("unreachable")) {
                    Thread.sleep(100);
                }
            }
            assertEquals("unreachable", phase, "the worker tried the gateway once ready");
            assertEquals("UP", readiness(worker).path("status").asText(), "and is ready all the same");

            ManagedChannel channel = ManagedChannelBuilder.forTarget(worker.value("WORKER_GRPC"))
                    .usePlaintext()
                    .build();
            try {
                assertTrue(GRPCInferenceServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .serverLive(ServerLiveRequest.getDefaultInstance())
                        .getLive());
            } finally {
                channel.shutdownNow();
            }
            String log = Files.readString(tmp.resolve("worker").resolve("worker.log"));
            assertTrue(log.contains("will register with gateway"), log);
            assertTrue(log.contains("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"), "names the pool: " + log);
            assertFalse(log.contains(POOL_KEY.substring(2, 18)), "never the key");
        }
    }

    @Test
    void aGatewayUrlWithoutAUsablePoolKeyStopsTheStart() throws Exception {
        Path notAKey = Files.writeString(tmp.resolve("not-a-key"), "hello\n");
        Path workdir = tmp.resolve("bad-key");
        assertThrows(
                IllegalStateException.class,
                () -> DeployedService.start(
                        "worker.sh",
                        workdir,
                        Map.of(
                                "INFERMESH_POOL_GATEWAY_URL", "http://127.0.0.1:9",
                                "INFERMESH_POOL_GATEWAY_POOL_KEY_FILE", notAKey.toString(),
                                "INFERMESH_POOL_BENCHMARK_ENABLED", "false")));
        String log = Files.readString(workdir.resolve("worker.log"));
        assertTrue(log.contains("infermesh.pool.gateway.pool-key-file"), log);
    }

    private static JsonNode readiness(DeployedService worker) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(worker.value("WORKER_HTTP") + "/q/health/ready"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return new ObjectMapper().readTree(response.body());
        }
    }

    /** Our check among the readiness checks (the gRPC server adds its own). */
    private static JsonNode workerCheck(JsonNode readiness) {
        for (JsonNode check : readiness.path("checks")) {
            if (check.path("name").asText().equals("infermesh-worker")) {
                return check;
            }
        }
        return MissingNode.getInstance();
    }

    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
