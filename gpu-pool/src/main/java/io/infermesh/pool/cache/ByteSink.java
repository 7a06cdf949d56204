package io.infermesh.pool.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/** Takes a blob's bytes in order, in the buffers the source received them in. */
@FunctionalInterface
public interface ByteSink {
    /**
     * The next bytes: each buffer from its position to its limit, in list order. The source never touches these
     * buffers again, so the sink may keep them (or slices of them) as long as it needs. A sink that throws ends the
     * transfer; the source then stops reading.
     */
    void accept(List<ByteBuffer> buffers) throws IOException;
}
