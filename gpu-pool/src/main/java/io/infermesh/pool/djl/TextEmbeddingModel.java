package io.infermesh.pool.djl;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.infermesh.pool.DataType;
import io.infermesh.pool.ModelSignature;
import io.infermesh.pool.Tensor;
import io.infermesh.pool.TensorInfo;
import io.infermesh.pool.TensorShape;
import io.infermesh.pool.WorkerException;
import io.infermesh.pool.spi.LoadedModel;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Sentence embeddings from a BERT-style ONNX model: strings in, one unit-length FP32 vector per string out.
 *
 * <p>Pipeline per batch of n strings: tokenize each (the model's own HF {@code tokenizer.json}, truncated to
 * {@code maxLength} tokens, no padding); sort them by length and cut them into runs of at most {@value #MAX_GROUP}
 * that cost the least in total ({@link SequenceGrouping}, with the per-run cost learned from this model's own runs by
 * {@link RunCostModel}); pad each run to its longest L with id 0 and attention 0, run the model on
 * {@code input_ids}, {@code attention_mask} and (if the graph has it) {@code token_type_ids}, all INT64 [run, L];
 * then for each row mean-pool the token vectors where the attention mask is 1,
 * {@code e = Σ_t m_t·h_t / Σ_t m_t}, and L2-normalize, {@code e / max(‖e‖₂, 1e-12)}. A model whose output is
 * already pooled (rank 2) skips the pooling. Padding does not change a row's result beyond float rounding, which is
 * what makes dynamic batching of strings of different lengths safe.
 */
final class TextEmbeddingModel implements LoadedModel {
    static final String PLATFORM = "infermesh_text_embedding";
    /**
     * Second output: per input, the tokens the model ran on (after truncation, special tokens included), INT64
     * {@code [n]}. The gateway sums it into OpenAI's {@code usage}; callers that do not want it leave it out of the
     * requested outputs.
     */
    static final String TOKEN_COUNT = "token_count";
    /** Most sequences one engine run takes; bigger batches are split into groups. */
    static final int MAX_GROUP = 32;
    /**
     * The per-run cost assumed until the model has run enough: measured for MiniLM in thread CPU time on one core of
     * the 2-vCPU EPYC development machine, a run costs about 2.4–3 ms on top of about 0.29 ms per padded token.
     */
    static final double PRIOR_RUN_COST_TOKENS = 9;

    private final OnnxModel graph;
    private final HuggingFaceTokenizer tokenizer;
    private final ModelSignature signature;
    private final String hiddenOutput;
    private final boolean pooled;
    private final boolean hasTokenTypes;
    private final int dim;
    private final RunCostModel runCost = new RunCostModel(PRIOR_RUN_COST_TOKENS);
    private final RunClock runClock;

    /** @param runClock times engine runs for the learned run cost ({@link RunClock}) */
    TextEmbeddingModel(
            OnnxModel graph, HuggingFaceTokenizer tokenizer, String inputName, String outputName, RunClock runClock) {
        this.graph = graph;
        this.tokenizer = tokenizer;
        this.runClock = runClock;
        ModelSignature raw = graph.signature();
        for (String required : List.of("input_ids", "attention_mask")) {
            if (raw.input(required).isEmpty()) {
                throw WorkerException.invalidArgument(
                        "a text-embedding model needs an ONNX input '" + required + "'; this one has " + raw.inputs());
            }
        }
        this.hasTokenTypes = raw.input("token_type_ids").isPresent();
        TensorInfo hidden = raw.outputs().getFirst();
        int rank = hidden.shape().rank();
        if (hidden.type() != DataType.FP32
                || (rank != 2 && rank != 3)
                || hidden.shape().dim(rank - 1) <= 0) {
            throw WorkerException.invalidArgument("a text-embedding model's first output must be FP32 [batch, tokens,"
                    + " dim] or [batch, dim] with a fixed dim; this one is " + hidden);
        }
        this.hiddenOutput = hidden.name();
        this.pooled = rank == 2;
        this.dim = Math.toIntExact(hidden.shape().dim(rank - 1));
        this.signature = new ModelSignature(
                PLATFORM,
                List.of(new TensorInfo(inputName, DataType.BYTES, TensorShape.of(-1))),
                List.of(
                        new TensorInfo(outputName, DataType.FP32, TensorShape.of(-1, dim)),
                        new TensorInfo(TOKEN_COUNT, DataType.INT64, TensorShape.of(-1))));
        if (outputName.equals(TOKEN_COUNT)) {
            throw WorkerException.invalidArgument("a text-embedding model's output cannot be named '" + TOKEN_COUNT
                    + "': the worker reports token counts under that name");
        }
    }

    @Override
    public ModelSignature signature() {
        return signature;
    }

    @Override
    public List<Tensor> infer(List<Tensor> inputs) {
        List<String> texts = inputs.getFirst().strings();
        int n = texts.size();
        String outputName = signature.outputs().getFirst().name();
        if (n == 0) {
            return List.of(
                    Tensor.ofFloats(outputName, TensorShape.of(0, dim), new float[0]),
                    Tensor.ofLongs(TOKEN_COUNT, TensorShape.of(0), new long[0]));
        }
        Encoding[] encodings = new Encoding[n];
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            encodings[i] = tokenizer.encode(texts.get(i));
            order[i] = i;
        }
        // Shortest first, then runs of similar length: padding costs compute for nothing, runs cost a fixed overhead.
        Arrays.sort(order, Comparator.comparingInt(i -> encodings[i].getIds().length));
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            lengths[i] = encodings[order[i]].getIds().length;
        }
        float[] embeddings = new float[n * dim];
        int from = 0;
        for (int to : SequenceGrouping.plan(lengths, runCost.runCostTokens(), MAX_GROUP)) {
            embedGroup(encodings, order, from, to, embeddings);
            from = to;
        }
        normalize(embeddings, n);
        long[] tokens = new long[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = encodings[i].getIds().length;
        }
        return List.of(
                Tensor.ofFloats(outputName, TensorShape.of(n, dim), embeddings),
                Tensor.ofLongs(TOKEN_COUNT, TensorShape.of(n), tokens));
    }

    /** Runs rows {@code order[from..to)} as one padded batch and writes their pooled vectors into {@code out}. */
    private void embedGroup(Encoding[] encodings, Integer[] order, int from, int to, float[] out) {
        int n = to - from;
        int len = encodings[order[to - 1]].getIds().length;
        long[] ids = new long[n * len];
        long[] mask = new long[n * len];
        long[] types = new long[n * len];
        for (int r = 0; r < n; r++) {
            Encoding e = encodings[order[from + r]];
            int l = e.getIds().length;
            System.arraycopy(e.getIds(), 0, ids, r * len, l);
            System.arraycopy(e.getAttentionMask(), 0, mask, r * len, l);
            System.arraycopy(e.getTypeIds(), 0, types, r * len, l);
        }
        float[] group = new float[n * dim];
        try (NDManager scope = graph.manager().newSubManager()) {
            Shape shape = new Shape(n, len);
            NDList in = new NDList(
                    named(scope.create(ids, shape), "input_ids"), named(scope.create(mask, shape), "attention_mask"));
            if (hasTokenTypes) {
                in.add(named(scope.create(types, shape), "token_type_ids"));
            }
            long start = runClock.nanos();
            Map<String, NDArray> result = graph.run(scope, in);
            runCost.record((long) n * len, runClock.nanos() - start);
            FloatBuffer hidden = result.get(hiddenOutput)
                    .toByteBuffer()
                    .order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            if (pooled) {
                hidden.get(group);
            } else {
                meanPool(hidden, LongBuffer.wrap(mask), n, len, group);
            }
        }
        for (int r = 0; r < n; r++) {
            System.arraycopy(group, r * dim, out, order[from + r] * dim, dim);
        }
    }

    private void meanPool(FloatBuffer hidden, LongBuffer mask, int n, int len, float[] out) {
        for (int i = 0; i < n; i++) {
            int count = 0;
            int o = i * dim;
            for (int t = 0; t < len; t++) {
                if (mask.get(i * len + t) == 0) {
                    continue;
                }
                count++;
                int h = (i * len + t) * dim;
                for (int d = 0; d < dim; d++) {
                    out[o + d] += hidden.get(h + d);
                }
            }
            float inv = 1f / Math.max(count, 1);
            for (int d = 0; d < dim; d++) {
                out[o + d] *= inv;
            }
        }
    }

    private void normalize(float[] e, int n) {
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int d = 0; d < dim; d++) {
                float v = e[i * dim + d];
                sum += v * v;
            }
            float inv = (float) (1 / Math.max(Math.sqrt(sum), 1e-12));
            for (int d = 0; d < dim; d++) {
                e[i * dim + d] *= inv;
            }
        }
    }

    private static NDArray named(NDArray a, String name) {
        a.setName(name);
        return a;
    }

    @Override
    public long memoryBytes() {
        return graph.memoryBytes();
    }

    @Override
    public void close() {
        try {
            tokenizer.close();
        } finally {
            graph.close();
        }
    }
}
