package io.infermesh.store.cli.gateway;

import io.infermesh.store.ModelRef;
import io.infermesh.store.cid.Cid;
import java.time.Instant;
import java.util.Objects;

/**
 * A tag as it was moved: {@code ref} points at {@code manifestCid} since {@code at}.
 *
 * @param ref {@code org/name:tag}
 * @param manifestCid the manifest
 * @param at when the tag moved
 */
public record PublishedTag(ModelRef ref, Cid manifestCid, Instant at) {
    public PublishedTag {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(manifestCid, "manifestCid");
        Objects.requireNonNull(at, "at");
    }
}
