package io.infermesh.store.manifest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.infermesh.store.ContentSummary;
import io.infermesh.store.ModelStoreException;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.cid.Multihash;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Describes one version of a model. Stored as a blob of {@link #toCanonicalJson() canonical JSON}, so equal manifests
 * have equal bytes and equal CIDs; the owner signs that CID.
 *
 * @param framework weight format
 * @param task what the model does, e.g. {@code text-embedding} or {@code raw-tensors} (lower-case, digits, '-')
 * @param files the model's files, kept sorted by path
 * @param inputs input tensors (may be empty when the task implies them)
 * @param outputs output tensors
 * @param pricePerRequest price of one inference request
 * @param license SPDX identifier or other short license name
 * @param owner the account that owns the model and signs its manifests
 * @param createdAt creation time, UTC, whole seconds
 */
public record Manifest(
        Framework framework,
        String task,
        List<ManifestFile> files,
        List<TensorSpec> inputs,
        List<TensorSpec> outputs,
        Wei pricePerRequest,
        String license,
        EthAddress owner,
        Instant createdAt) {

    public static final String SCHEMA = "infermesh.manifest.v1";
    /** Largest manifest accepted: far beyond any real model's file list, small enough to parse in memory. */
    public static final int MAX_BYTES = 1024 * 1024;

    private static final Pattern TASK = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    private static final Pattern LICENSE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.+:-]{0,63}");
    private static final Set<String> FIELDS = Set.of(
            "schema",
            "framework",
            "task",
            "files",
            "inputs",
            "outputs",
            "pricePerRequestWei",
            "license",
            "owner",
            "createdAt");
    private static final Set<String> FILE_FIELDS = Set.of("path", "cid", "size", "sha256");
    private static final Set<String> TENSOR_FIELDS = Set.of("name", "datatype", "shape");
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    public Manifest {
        if (framework == null) {
            throw new InvalidManifestException("framework is required (onnx, torchscript or safetensors)");
        }
        if (task == null || !TASK.matcher(task).matches()) {
            throw new InvalidManifestException(
                    "task '" + task + "' must be lower-case letters, digits and '-', e.g. text-embedding");
        }
        if (files == null || files.isEmpty()) {
            throw new InvalidManifestException("a manifest lists at least one file");
        }
        files = files.stream().sorted(Comparator.comparing(ManifestFile::path)).toList();
        ModelPath.validateAll(files.stream().map(ManifestFile::path).toList());
        inputs = List.copyOf(inputs == null ? List.of() : inputs);
        outputs = List.copyOf(outputs == null ? List.of() : outputs);
        requireUniqueNames("inputs", inputs);
        requireUniqueNames("outputs", outputs);
        if (pricePerRequest == null) {
            throw new InvalidManifestException("pricePerRequestWei is required (\"0\" for a free model)");
        }
        if (license == null || !LICENSE.matcher(license).matches()) {
            throw new InvalidManifestException(
                    "license '" + license + "' must be a short identifier such as apache-2.0 or MIT");
        }
        if (owner == null) {
            throw new InvalidManifestException("owner address is required");
        }
        if (createdAt == null) {
            throw new InvalidManifestException("createdAt is required");
        }
        createdAt = createdAt.truncatedTo(ChronoUnit.SECONDS);
    }

    /** Total bytes of all files. */
    public long totalBytes() {
        return files.stream().mapToLong(ManifestFile::sizeBytes).sum();
    }

    public JsonNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        root.put("schema", SCHEMA);
        root.put("framework", framework.wireName());
        root.put("task", task);
        ArrayNode fileArray = root.putArray("files");
        for (ManifestFile file : files) {
            fileArray
                    .addObject()
                    .put("path", file.path())
                    .put("cid", file.cid().toString())
                    .put("size", file.sizeBytes())
                    .put("sha256", file.sha256().hex());
        }
        root.set("inputs", tensorsToJson(inputs));
        root.set("outputs", tensorsToJson(outputs));
        root.put("pricePerRequestWei", pricePerRequest.toString());
        root.put("license", license);
        root.put("owner", owner.value());
        root.put("createdAt", createdAt.toString());
        return root;
    }

    public byte[] toCanonicalJson() {
        return CanonicalJson.write(toJson());
    }

    /** The manifest's address: the UnixFS CIDv1 of its canonical JSON, as {@code ipfs add --cid-version=1} gives. */
    public Cid cid() {
        return summary().cid();
    }

    /** CID, SHA-256 and size of the canonical JSON blob. */
    public ContentSummary summary() {
        return ContentDigester.digest(toCanonicalJson(), ImportOptions.defaults());
    }

    /** Parses a manifest in any JSON layout; fields are checked, unknown fields refused. */
    public static Manifest parse(byte[] json) {
        if (json.length > MAX_BYTES) {
            throw new InvalidManifestException("manifest is larger than " + MAX_BYTES + " bytes");
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidManifestException("manifest is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fromJson(root);
    }

    /**
     * Parses a manifest blob that must already be canonical, so that its CID is the CID of this manifest. This is
     * what a store accepts: a manifest whose bytes would re-serialize differently is refused.
     */
    public static Manifest parseCanonical(byte[] json) {
        Manifest manifest = parse(json);
        if (!Arrays.equals(manifest.toCanonicalJson(), json)) {
            throw new InvalidManifestException(
                    "manifest is valid but not in canonical form (sorted keys, no whitespace, normalized values); "
                            + "serialize it with `infermesh model pack` or Manifest.toCanonicalJson()");
        }
        return manifest;
    }

    private static Manifest fromJson(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new InvalidManifestException("manifest must be a JSON object");
        }
        requireKnownFields(root, FIELDS, "manifest");
        String schema = text(root, "schema");
        if (!SCHEMA.equals(schema)) {
            throw new InvalidManifestException("schema is '" + schema + "'; this version reads " + SCHEMA);
        }
        List<ManifestFile> files = new ArrayList<>();
        for (JsonNode file : array(root, "files")) {
            String path = text(file, "path");
            requireKnownFields(file, FILE_FIELDS, "file '" + path + "'");
            try {
                files.add(new ManifestFile(
                        path,
                        Cid.parse(text(file, "cid")),
                        integer(file, "size"),
                        Multihash.sha256(HexFormat.of().parseHex(sha256Hex(file, path)))));
            } catch (ModelStoreException e) {
                if (e instanceof InvalidManifestException) {
                    throw e;
                }
                throw new InvalidManifestException("file '" + path + "': " + e.getMessage());
            }
        }
        Instant createdAt;
        try {
            createdAt = Instant.parse(text(root, "createdAt"));
        } catch (DateTimeParseException e) {
            throw new InvalidManifestException("createdAt must be an RFC 3339 UTC time like 2026-11-22T10:00:00Z");
        }
        return new Manifest(
                Framework.fromWire(text(root, "framework")),
                text(root, "task"),
                files,
                tensorsFromJson(array(root, "inputs")),
                tensorsFromJson(array(root, "outputs")),
                Wei.parse(text(root, "pricePerRequestWei")),
                text(root, "license"),
                EthAddress.of(text(root, "owner")),
                createdAt);
    }

    private static String sha256Hex(JsonNode file, String path) {
        String hex = text(file, "sha256");
        if (!hex.matches("[0-9a-f]{64}")) {
            throw new InvalidManifestException("file '" + path + "': sha256 must be 64 lower-case hex digits");
        }
        return hex;
    }

    private static ArrayNode tensorsToJson(List<TensorSpec> tensors) {
        ArrayNode array = JsonNodeFactory.instance.arrayNode();
        for (TensorSpec t : tensors) {
            ObjectNode node = array.addObject().put("name", t.name()).put("datatype", t.datatype());
            ArrayNode shape = node.putArray("shape");
            t.shape().forEach(shape::add);
        }
        return array;
    }

    static List<TensorSpec> tensorsFromJson(JsonNode array) {
        List<TensorSpec> tensors = new ArrayList<>();
        for (JsonNode t : array) {
            requireKnownFields(t, TENSOR_FIELDS, "tensor");
            List<Long> shape = new ArrayList<>();
            for (JsonNode dim : array(t, "shape")) {
                if (!dim.isIntegralNumber() || !dim.canConvertToLong()) {
                    throw new InvalidManifestException("tensor shape dimensions are integers");
                }
                shape.add(dim.longValue());
            }
            tensors.add(new TensorSpec(text(t, "name"), text(t, "datatype"), shape));
        }
        return tensors;
    }

    private static void requireKnownFields(JsonNode node, Set<String> known, String what) {
        for (var it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!known.contains(field)) {
                throw new InvalidManifestException("unknown " + what + " field '" + field + "'");
            }
        }
    }

    private static void requireUniqueNames(String what, List<TensorSpec> tensors) {
        if (tensors.stream().map(TensorSpec::name).distinct().count() != tensors.size()) {
            throw new InvalidManifestException(what + " has two tensors with the same name");
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new InvalidManifestException("field '" + field + "' is required and must be a string");
        }
        return value.textValue();
    }

    private static long integer(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new InvalidManifestException("field '" + field + "' is required and must be an integer");
        }
        return value.longValue();
    }

    private static JsonNode array(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isArray()) {
            throw new InvalidManifestException("field '" + field + "' is required and must be an array");
        }
        return value;
    }
}
