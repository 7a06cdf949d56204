package io.infermesh.pool.cache;

import io.infermesh.pool.WorkerException;
import io.infermesh.store.cid.Cid;
import java.util.Map;

/**
 * A request to serve the model a manifest describes.
 *
 * @param modelName the name callers will use (e.g. {@code demo/all-minilm-l6-v2:latest})
 * @param manifestCid the manifest blob's CID; every file the manifest lists is verified against its own CID
 * @param source where to download blobs from
 * @param parameters the load request's parameters, passed on to the backend
 */
public record LoadSpec(String modelName, Cid manifestCid, BlobSource source, Map<String, String> parameters) {
    /** Longest model name accepted. */
    public static final int MAX_NAME_LENGTH = 256;

    public LoadSpec {
        requireValidName(modelName);
        if (manifestCid == null || source == null) {
            throw WorkerException.invalidArgument("a model load needs a manifest CID and a blob source");
        }
        parameters = Map.copyOf(parameters);
    }

    /** Names are 1 to 256 printable characters without spaces. */
    public static void requireValidName(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            throw WorkerException.invalidArgument("model name must be 1 to " + MAX_NAME_LENGTH + " characters");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                throw WorkerException.invalidArgument(
                        "model name must not contain spaces or control characters (position " + i + ")");
            }
        }
    }
}
