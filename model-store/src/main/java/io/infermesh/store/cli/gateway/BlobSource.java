package io.infermesh.store.cli.gateway;

import io.infermesh.store.cid.Cid;
import java.io.IOException;
import java.io.InputStream;

/** Where a {@link ModelCheckout} reads blobs from: the gateway in the CLI, anything in a test. */
@FunctionalInterface
public interface BlobSource {
    /** A stream of the bytes stored under {@code cid}; the caller verifies and closes it. */
    InputStream open(Cid cid) throws IOException;
}
