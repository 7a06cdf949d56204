package io.infermesh.store.manifest;

import java.util.Locale;

/** Weight formats the platform serves. Pickle-based formats are deliberately absent: loading them runs code. */
public enum Framework {
    ONNX,
    TORCHSCRIPT,
    SAFETENSORS;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Framework fromWire(String value) {
        for (Framework f : values()) {
            if (f.wireName().equals(value)) {
                return f;
            }
        }
        throw new InvalidManifestException(
                "framework '" + value + "' is not supported; use one of onnx, torchscript, safetensors");
    }
}
