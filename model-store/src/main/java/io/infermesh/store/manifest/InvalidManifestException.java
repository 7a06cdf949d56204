package io.infermesh.store.manifest;

import io.infermesh.store.ModelStoreException;

/** A manifest that does not parse or breaks a rule; the message names the field and what to fix. */
public final class InvalidManifestException extends ModelStoreException {
    public InvalidManifestException(String message) {
        super(ErrorCode.INVALID_MANIFEST, message);
    }
}
