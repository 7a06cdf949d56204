package io.infermesh.store;

import io.infermesh.store.cid.Cid;

/** Bytes that do not hash to the CID they were offered or stored under. Nothing was committed. */
public final class ContentMismatchException extends ModelStoreException {
    private final transient Cid expected;
    private final transient Cid actual;

    public ContentMismatchException(Cid expected, Cid actual, long sizeBytes) {
        super(
                ErrorCode.CONTENT_MISMATCH,
                "content does not match its CID: expected " + expected + " but the " + sizeBytes + " bytes hash to "
                        + actual);
        this.expected = expected;
        this.actual = actual;
    }

    public Cid expected() {
        return expected;
    }

    public Cid actual() {
        return actual;
    }
}
