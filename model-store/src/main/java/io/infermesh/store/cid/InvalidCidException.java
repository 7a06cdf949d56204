package io.infermesh.store.cid;

import io.infermesh.store.ModelStoreException;

/** A CID (text or binary) that does not parse, or names a codec or hash function this store does not accept. */
public final class InvalidCidException extends ModelStoreException {
    public InvalidCidException(String message) {
        super(ErrorCode.INVALID_CID, message);
    }
}
