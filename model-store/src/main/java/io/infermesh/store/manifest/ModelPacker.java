package io.infermesh.store.manifest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.infermesh.store.ContentSummary;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a model folder into a {@link Manifest}: every regular file is hashed in one streaming pass into its CID,
 * SHA-256 and size. Hidden files and folders (names starting with '.') and the folder's own {@value #MODEL_CARD}
 * are skipped; symbolic links and pickle-based weights are refused.
 *
 * <p>Fields come from, in order of precedence: the {@link Options} given, the folder's {@value #MODEL_CARD} ({@code
 * task}, {@code framework}, {@code inputs}, {@code outputs}, {@code pricePerRequestWei}, {@code license}), then
 * detection (framework from file extensions; task {@code raw-tensors}).
 */
public final class ModelPacker {
    public static final String MODEL_CARD = "infermesh.json";
    /** Extensions of pickle-based formats: loading them executes code, so the platform never accepts them. */
    public static final Set<String> PICKLE_EXTENSIONS = Set.of(".pkl", ".pickle", ".pth", ".ckpt", ".joblib");

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private ModelPacker() {}

    /**
     * True for a file (name or manifest path) in a pickle-based format: one of {@link #PICKLE_EXTENSIONS} or a
     * {@code pytorch_model*.bin} checkpoint.
     */
    public static boolean isPickle(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        return PICKLE_EXTENSIONS.stream().anyMatch(name::endsWith) || name.matches("pytorch_model.*\\.bin");
    }

    /**
     * What the caller decides; empty values fall back to the model card, then to detection.
     *
     * @param task task override
     * @param framework framework override
     * @param pricePerRequest price override
     * @param license license override
     * @param owner the owner address (required)
     * @param createdAt creation time
     */
    public record Options(
            Optional<String> task,
            Optional<Framework> framework,
            Optional<Wei> pricePerRequest,
            Optional<String> license,
            EthAddress owner,
            Instant createdAt) {
        public static Options ownedBy(EthAddress owner) {
            return new Options(
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), owner, Instant.now());
        }
    }

    public static Manifest pack(Path dir, Options options) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new InvalidManifestException("'" + dir + "' is not a folder");
        }
        JsonNode card = readCard(dir.resolve(MODEL_CARD));
        List<ManifestFile> files = new ArrayList<>();
        for (Path file : listFiles(dir)) {
            String path = relativePath(dir, file);
            ContentSummary summary = ContentDigester.digest(file, ImportOptions.defaults());
            files.add(new ManifestFile(path, summary.cid(), summary.sizeBytes(), summary.sha256()));
        }
        if (files.isEmpty()) {
            throw new InvalidManifestException("'" + dir + "' holds no files to publish");
        }
        Framework framework = options.framework()
                .or(() -> text(card, "framework").map(Framework::fromWire))
                .orElseGet(() -> detectFramework(files));
        List<TensorSpec> inputs = tensors(card, "inputs");
        List<TensorSpec> outputs = tensors(card, "outputs");
        return new Manifest(
                framework,
                options.task().or(() -> text(card, "task")).orElse("raw-tensors"),
                files,
                inputs,
                outputs,
                options.pricePerRequest()
                        .or(() -> text(card, "pricePerRequestWei").map(Wei::parse))
                        .orElse(Wei.ZERO),
                options.license().or(() -> text(card, "license")).orElse("unknown"),
                options.owner(),
                options.createdAt());
    }

    private static List<Path> listFiles(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                return !d.equals(dir) && isHidden(d) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (isHidden(file)
                        || file.getParent().equals(dir)
                                && file.getFileName().toString().equals(MODEL_CARD)) {
                    return FileVisitResult.CONTINUE;
                }
                if (Files.isSymbolicLink(file) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    throw new InvalidManifestException(
                            "'" + dir.relativize(file) + "' is a link or special file; copy the real file in instead");
                }
                if (isPickle(file.getFileName().toString())) {
                    throw new InvalidManifestException("'" + dir.relativize(file)
                            + "' is a pickle-based checkpoint, which runs code when loaded; "
                            + "export the model to ONNX, TorchScript or safetensors");
                }
                files.add(file);
                return FileVisitResult.CONTINUE;
            }
        });
        files.sort(null);
        return files;
    }

    private static boolean isHidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }

    private static String relativePath(Path dir, Path file) {
        List<String> parts = new ArrayList<>();
        for (Path part : dir.relativize(file)) {
            parts.add(part.toString());
        }
        String path = String.join("/", parts);
        ModelPath.validate(path);
        return path;
    }

    private static Framework detectFramework(List<ManifestFile> files) {
        if (files.stream().anyMatch(f -> f.path().endsWith(".onnx"))) {
            return Framework.ONNX;
        }
        if (files.stream().anyMatch(f -> f.path().endsWith(".safetensors"))) {
            return Framework.SAFETENSORS;
        }
        if (files.stream().anyMatch(f -> f.path().endsWith(".pt") || f.path().endsWith(".torchscript"))) {
            return Framework.TORCHSCRIPT;
        }
        throw new InvalidManifestException(
                "no model weights found (.onnx, .safetensors, .pt); name the framework in " + MODEL_CARD);
    }

    private static JsonNode readCard(Path card) throws IOException {
        if (!Files.exists(card)) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        try {
            JsonNode node = JSON.readTree(Files.readAllBytes(card));
            if (!node.isObject()) {
                throw new InvalidManifestException(MODEL_CARD + " must be a JSON object");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidManifestException(MODEL_CARD + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static Optional<String> text(JsonNode card, String field) {
        JsonNode value = card.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw new InvalidManifestException(MODEL_CARD + ": '" + field + "' must be a string");
        }
        return Optional.of(value.textValue());
    }

    private static List<TensorSpec> tensors(JsonNode card, String field) {
        JsonNode array = card.path(field);
        if (array.isMissingNode()) {
            return List.of();
        }
        if (!array.isArray()) {
            throw new InvalidManifestException(MODEL_CARD + ": '" + field + "' must be an array of tensors");
        }
        return Manifest.tensorsFromJson(array);
    }
}
