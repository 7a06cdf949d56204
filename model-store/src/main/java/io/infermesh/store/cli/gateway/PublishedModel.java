package io.infermesh.store.cli.gateway;

import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A model as {@code GET /v1/models} lists it: its current tag and what that tag's manifest says.
 *
 * @param name {@code org/name}
 * @param tag the tag shown ({@code latest}, or the newest)
 * @param manifestCid the manifest the tag points at
 * @param owner the owner who signed it
 * @param task e.g. {@code text-embedding}
 * @param framework e.g. {@code onnx}
 * @param pricePerRequest the owner's price per request
 * @param totalBytes size of all files, when the gateway reports it
 */
public record PublishedModel(
        String name,
        String tag,
        Cid manifestCid,
        EthAddress owner,
        String task,
        String framework,
        Wei pricePerRequest,
        OptionalLong totalBytes) {
    public PublishedModel {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(tag, "tag");
        Objects.requireNonNull(manifestCid, "manifestCid");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(framework, "framework");
        Objects.requireNonNull(pricePerRequest, "pricePerRequest");
        Objects.requireNonNull(totalBytes, "totalBytes");
    }
}
