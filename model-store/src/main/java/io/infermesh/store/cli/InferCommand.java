package io.infermesh.store.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.infermesh.store.ModelRef;
import io.infermesh.store.cli.gateway.GatewayClient;
import io.infermesh.store.cli.gateway.GatewayProtocolException;
import io.infermesh.store.cli.gateway.InferenceResult;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "infer",
        description = {
            "Run a published model through the gateway (paid from the account's balance).",
            "--text: embeddings (POST /v1/embeddings); prints each embedding's dimensions and L2 norm, or the",
            "        response JSON with --json.",
            "--kserve FILE: KServe v2 inference (POST /v2/models/ORG/MODEL:TAG/infer) with FILE as the request;",
            "        prints the response JSON.",
            "What the call cost (Infermesh-Cost-Wei) is printed too (on stderr when stdout is JSON)."
        })
final class InferCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(index = "0", paramLabel = "ORG/MODEL[:TAG]", description = "the model (tag default: latest)")
    String model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(
                names = "--text",
                paramLabel = "TEXT",
                description = "a string to embed; repeat for a batch, one embedding each")
        List<String> texts;

        @Option(names = "--kserve", paramLabel = "FILE.json", description = "a KServe v2 inference request")
        Path kserve;
    }

    @Option(names = "--json", description = "print the embeddings response JSON instead of a summary")
    boolean json;

    @Mixin
    GatewayOptions gateway;

    @Override
    public Integer call() throws Exception {
        ModelRef ref = ModelRef.parse(model);
        PrintWriter out = gateway.out();
        PrintWriter err = gateway.err();
        try (GatewayClient client = gateway.authenticated()) {
            if (input.kserve != null) {
                InferenceResult result = client.kserveInfer(ref, input.kserve);
                out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result.body()));
                result.cost().ifPresent(c -> err.println("cost  " + c + " wei"));
            } else {
                InferenceResult result = client.embeddings(ref, input.texts);
                if (json) {
                    out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result.body()));
                    result.cost().ifPresent(c -> err.println("cost  " + c + " wei"));
                } else {
                    summarize(result, out);
                }
            }
        }
        out.flush();
        err.flush();
        return ExitCodes.OK;
    }

    private static void summarize(InferenceResult result, PrintWriter out) {
        JsonNode body = result.body();
        out.println("model   " + body.path("model").asText("?"));
        JsonNode data = body.path("data");
        if (!data.isArray()) {
            throw new GatewayProtocolException("the embeddings answer has no 'data' array");
        }
        for (JsonNode item : data) {
            float[] v = vector(item.path("embedding"));
            double sum = 0;
            for (float x : v) {
                sum += (double) x * x;
            }
            out.printf(
                    Locale.ROOT,
                    "%-6d  dims %d  norm %.6f%n",
                    item.path("index").asInt(),
                    v.length,
                    Math.sqrt(sum));
        }
        JsonNode usage = body.path("usage");
        if (usage.has("prompt_tokens")) {
            out.println("tokens  " + usage.path("prompt_tokens").asLong());
        }
        result.cost().ifPresent(c -> out.println("cost    " + c + " wei"));
    }

    /** An embedding as floats: a JSON array, or base64 of little-endian float32 (the contract allows both). */
    private static float[] vector(JsonNode embedding) {
        if (embedding.isArray()) {
            float[] v = new float[embedding.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) embedding.get(i).asDouble();
            }
            return v;
        }
        if (embedding.isTextual()) {
            ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(embedding.textValue()))
                    .order(ByteOrder.LITTLE_ENDIAN);
            float[] v = new float[bytes.remaining() / Float.BYTES];
            bytes.asFloatBuffer().get(v);
            return v;
        }
        throw new GatewayProtocolException("an embedding is neither an array of numbers nor base64");
    }
}
