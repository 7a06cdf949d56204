package io.infermesh.pool.cache;

import java.util.Optional;

/**
 * A model as the repository index lists it.
 *
 * @param name served name
 * @param state {@code READY}, {@code LOADING} or {@code UNAVAILABLE} (the last load failed; see reason)
 * @param reason why it is unavailable; empty otherwise
 * @param manifestCid the manifest being served or loaded, when known
 */
public record ModelState(String name, String state, String reason, Optional<String> manifestCid) {}
