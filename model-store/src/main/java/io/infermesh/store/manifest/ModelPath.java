package io.infermesh.store.manifest;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Rules for file paths inside a model: relative, '/'-separated, no empty, '.' or '..' segments, no backslashes or
 * control characters, at most 1024 characters with segments of at most 255. A set of paths must also be
 * materializable on disk: no duplicates, and no path that is both a file and a parent of another.
 */
public final class ModelPath {
    public static final int MAX_PATH_CHARS = 1024;
    public static final int MAX_SEGMENT_CHARS = 255;

    private ModelPath() {}

    public static void validate(String path) {
        if (path == null || path.isEmpty()) {
            throw new InvalidManifestException("file path is empty");
        }
        if (path.length() > MAX_PATH_CHARS) {
            throw new InvalidManifestException("file path is longer than " + MAX_PATH_CHARS + " characters: " + path);
        }
        if (path.startsWith("/")) {
            throw new InvalidManifestException("file path '" + path + "' is absolute; paths are relative to the model");
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '\\' || c < 0x20 || c == 0x7F) {
                throw new InvalidManifestException(
                        "file path '" + printable(path) + "' contains a backslash or control character");
            }
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new InvalidManifestException(
                        "file path '" + path + "' has an empty, '.' or '..' segment; use plain relative paths");
            }
            if (segment.length() > MAX_SEGMENT_CHARS) {
                throw new InvalidManifestException(
                        "file path '" + path + "' has a segment longer than " + MAX_SEGMENT_CHARS + " characters");
            }
        }
    }

    /** Checks a whole set of paths: each valid, none duplicated, none both a file and a directory. */
    public static void validateAll(List<String> paths) {
        Set<String> seen = new HashSet<>();
        for (String path : paths) {
            validate(path);
            if (!seen.add(path)) {
                throw new InvalidManifestException("file path '" + path + "' appears twice");
            }
        }
        for (String path : paths) {
            for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
                String parent = path.substring(0, slash);
                if (seen.contains(parent)) {
                    throw new InvalidManifestException(
                            "'" + parent + "' is listed as a file but is also the folder of '" + path + "'");
                }
            }
        }
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            sb.append(c < 0x20 || c == 0x7F ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return sb.toString();
    }
}
