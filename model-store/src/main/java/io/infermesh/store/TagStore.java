package io.infermesh.store;

import io.infermesh.store.cid.Cid;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Moves human names ({@code org/model:tag}) onto manifest CIDs and keeps every move. History is append-only; the
 * current value is the newest entry. Thread-safe.
 */
public interface TagStore {
    /** Points {@code ref} at {@code manifest}; returns the recorded entry. */
    TagEntry setTag(ModelRef ref, Cid manifest);

    /** The manifest {@code ref} points at now. */
    Optional<Cid> resolve(ModelRef ref);

    /** Every value {@code ref} has had, oldest first. */
    List<TagEntry> history(ModelRef ref);

    /** The tags of {@code org/model} with their current manifests, sorted by tag. */
    List<TagEntry> tags(String org, String model);

    /** The current value of every tag in the store, sorted by {@code org/model:tag}. */
    List<TagEntry> all();

    /**
     * One tag move.
     *
     * @param ref the tag
     * @param manifest the manifest CID it pointed to from {@code at} on
     * @param at when the move was recorded
     */
    record TagEntry(ModelRef ref, Cid manifest, Instant at) {}
}
