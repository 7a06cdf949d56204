package io.infermesh.pool.djl;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.infermesh.pool.DataType;
import io.infermesh.pool.WorkerException;
import io.infermesh.pool.spi.Backend;
import io.infermesh.pool.spi.LoadedModel;
import io.infermesh.pool.spi.ModelSource;
import io.infermesh.store.manifest.Framework;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ManifestFile;
import io.infermesh.store.manifest.TensorSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The {@code text-embedding} task for sentence-transformer models in ONNX: needs the model's {@code tokenizer.json}
 * beside the {@code .onnx} file. Input {@code text} (BYTES [n]), output {@code embedding} (FP32 [n, dim]), unless the
 * manifest names them. Load parameter {@code max_sequence_length} overrides the tokenizer file's truncation length
 * (512 when the file sets none).
 */
public final class TextEmbeddingBackend implements Backend {
    public static final String TASK = "text-embedding";
    public static final String TOKENIZER_FILE = "tokenizer.json";
    public static final String MAX_SEQUENCE_LENGTH_PARAMETER = "max_sequence_length";
    private static final int DEFAULT_MAX_LENGTH = 512;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final OrtRuntime runtime;
    private final OnnxRuntimeBackend onnx;

    public TextEmbeddingBackend(OrtRuntime runtime) {
        this.runtime = runtime;
        this.onnx = new OnnxRuntimeBackend(runtime);
    }

    @Override
    public String name() {
        return "onnxruntime-text-embedding";
    }

    @Override
    public boolean supports(Manifest manifest) {
        return manifest.framework() == Framework.ONNX && TASK.equals(manifest.task());
    }

    @Override
    public long estimateMemoryBytes(Manifest manifest) {
        return onnx.estimateMemoryBytes(manifest);
    }

    @Override
    public LoadedModel load(ModelSource source) {
        Manifest manifest = source.manifest();
        String tokenizerPath = manifest.files().stream()
                .map(ManifestFile::path)
                .filter(p -> p.equals(TOKENIZER_FILE) || p.endsWith("/" + TOKENIZER_FILE))
                .findFirst()
                .orElseThrow(() -> WorkerException.invalidArgument("a text-embedding model needs a " + TOKENIZER_FILE
                        + " file; the manifest lists "
                        + manifest.files().stream().map(ManifestFile::path).toList()));
        String inputName = nameOf(manifest.inputs(), DataType.BYTES, "text");
        String outputName = nameOf(manifest.outputs(), DataType.FP32, "embedding");
        Path dir = source.directory();
        Path tokenizerFile = dir.resolve(tokenizerPath);
        int maxLength = maxLength(source, tokenizerFile);
        // The tokenizer parses its JSON while ONNX Runtime builds the session: the two are independent.
        CompletableFuture<HuggingFaceTokenizer> tokenizing = CompletableFuture.supplyAsync(() -> {
            try {
                return HuggingFaceTokenizer.builder()
                        .optTokenizerPath(tokenizerFile)
                        .optPadding(false)
                        .optTruncation(true)
                        .optMaxLength(maxLength)
                        .build();
            } catch (IOException | RuntimeException e) {
                throw WorkerException.invalidArgument("cannot read " + tokenizerPath + ": " + e.getMessage());
            }
        });
        OnnxModel graph;
        try {
            graph = (OnnxModel) onnx.load(source);
        } catch (RuntimeException e) {
            tokenizing.thenAccept(HuggingFaceTokenizer::close);
            throw e;
        }
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = tokenizing.join();
        } catch (CompletionException e) {
            graph.close();
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        try {
            return new TextEmbeddingModel(
                    graph,
                    tokenizer,
                    inputName,
                    outputName,
                    runtime.computesOnCallingThread() ? RunClock.threadCpu() : RunClock.wall());
        } catch (RuntimeException e) {
            graph.close();
            tokenizer.close();
            throw e;
        }
    }

    private static int maxLength(ModelSource source, Path tokenizerFile) {
        String given = source.parameters().get(MAX_SEQUENCE_LENGTH_PARAMETER);
        if (given != null) {
            try {
                int n = Integer.parseInt(given);
                if (n >= 2) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw WorkerException.invalidArgument(
                    MAX_SEQUENCE_LENGTH_PARAMETER + " must be an integer >= 2, not '" + given + "'");
        }
        return truncationLength(tokenizerFile);
    }

    /** The tokenizer file's {@code truncation.max_length}, or {@value #DEFAULT_MAX_LENGTH} when it sets none. */
    static int truncationLength(Path tokenizerFile) {
        // Streamed: the file is mostly vocabulary (hundreds of KB); building a tree of it cost 100-400 ms per load.
        try (JsonParser json = JSON.createParser(tokenizerFile.toFile())) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                throw WorkerException.invalidArgument(tokenizerFile.getFileName() + " is not a JSON object");
            }
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                JsonToken value = json.nextToken();
                if (field.equals("truncation") && value == JsonToken.START_OBJECT) {
                    JsonNode max = JSON.<JsonNode>readTree(json).path("max_length");
                    return max.canConvertToInt() && max.intValue() >= 2 ? max.intValue() : DEFAULT_MAX_LENGTH;
                }
                json.skipChildren();
            }
            return DEFAULT_MAX_LENGTH;
        } catch (IOException e) {
            throw WorkerException.invalidArgument("cannot read " + tokenizerFile.getFileName() + ": " + e.getMessage());
        }
    }

    private static String nameOf(List<TensorSpec> specs, DataType type, String fallback) {
        return specs.stream()
                .filter(s -> s.datatype().equals(type.name()))
                .map(TensorSpec::name)
                .findFirst()
                .orElse(fallback);
    }
}
