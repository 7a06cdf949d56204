package io.infermesh.store.manifest;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One model input or output, in KServe v2 / Triton terms.
 *
 * @param name tensor name as the model knows it
 * @param datatype a KServe v2 datatype (BOOL, UINT8…UINT64, INT8…INT64, FP16, BF16, FP32, FP64, BYTES)
 * @param shape dimensions; -1 marks a dynamic dimension
 */
public record TensorSpec(String name, String datatype, List<Long> shape) {
    public static final Set<String> DATATYPES = Set.of(
            "BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "BF16", "FP32",
            "FP64", "BYTES");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.:/-]{0,127}");

    public TensorSpec {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidManifestException("tensor name '" + name
                    + "' must start with a letter or '_' and use only letters, digits, '_', '.', ':', '/', '-'");
        }
        if (datatype == null || !DATATYPES.contains(datatype)) {
            throw new InvalidManifestException(
                    "tensor '" + name + "' has datatype '" + datatype + "'; use one of " + DATATYPES);
        }
        if (shape == null) {
            throw new InvalidManifestException("tensor '" + name + "' needs a shape (use -1 for dynamic dimensions)");
        }
        shape = List.copyOf(shape);
        for (Long dim : shape) {
            if (dim == null || dim < -1) {
                throw new InvalidManifestException(
                        "tensor '" + name + "' has dimension " + dim + "; dimensions are >= 0, or -1 for dynamic");
            }
        }
    }
}
