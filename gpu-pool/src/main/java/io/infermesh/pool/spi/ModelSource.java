package io.infermesh.pool.spi;

import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.Manifest;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a {@link Backend} loads from: a verified manifest and, on demand, its files on local disk.
 *
 * <p>{@link #directory()} downloads the files the first time it is called (each verified against its CID before it
 * is visible), so a backend that forwards to an upstream server never pays for the download.
 */
public interface ModelSource {
    /** The name the model is served under. */
    String modelName();

    Cid manifestCid();

    Manifest manifest();

    /** A folder holding every manifest file at its manifest path, all verified. */
    Path directory();

    /** The load request's string parameters (fetch instructions, backend options). */
    Map<String, String> parameters();
}
