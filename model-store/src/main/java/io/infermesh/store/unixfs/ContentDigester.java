package io.infermesh.store.unixfs;

import io.infermesh.store.ContentSummary;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.cid.Multihash;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * One streaming pass over a file yields its UnixFS CID, its SHA-256 and its size.
 *
 * <p>The caller's thread only cuts the bytes into 256 KiB chunks (copying them into recycled buffers, or slicing
 * them in place with {@link #updateInPlace}). Each chunk feeds two tasks: its leaf hash on the leaf pool, and the
 * next step of the whole-file SHA-256 on a {@link SerialLane}, which sees chunks in order and never concurrently and
 * runs on a pool of its own so it never waits behind leaves. On two cores the two hash streams run side by side, so
 * the pass costs about one SHA-256 of wall time although every byte is hashed twice. Finished leaves are joined in
 * file order and fed to the {@link BalancedDagBuilder}. At most {@value #MAX_PENDING_CHUNKS} chunks are in flight,
 * so memory stays bounded whatever the file size. Each byte is read from the source once.
 *
 * <p>Not thread-safe: one digester per stream, driven by one thread.
 */
public final class ContentDigester {
    private static final int MAX_PENDING_CHUNKS = 16;
    private static final long MAP_WINDOW_BYTES = 1L << 30;

    /**
     * Two pools, so that the whole-file digest (a serial lane, the critical path) never queues behind leaf tasks. The
     * leaf pool leaves one core free: with as many leaf threads as cores, the scheduler shares each core three ways
     * and the file digest, which must do as much hashing as all leaves together, crawls at two thirds of a core.
     */
    private static final class SharedPools {
        private static final int CORES = Runtime.getRuntime().availableProcessors();
        static final ExecutorService LEAVES = pool("infermesh-leaf-hasher", Math.max(1, CORES - 1));
        static final ExecutorService FILE_DIGESTS = pool("infermesh-file-hasher", CORES);

        private static ExecutorService pool(String name, int threads) {
            return Executors.newFixedThreadPool(threads, runnable -> {
                Thread t = new Thread(runnable, name);
                t.setDaemon(true);
                return t;
            });
        }
    }

    private final ImportOptions options;
    private final Executor leafExecutor;
    private final SerialLane fileDigestLane;
    private final boolean cidOnly;
    private final MessageDigest fileDigest = Multihash.newSha256();
    private final BalancedDagBuilder builder;
    private final ArrayDeque<PendingChunk> pending = new ArrayDeque<>();
    private final ConcurrentLinkedQueue<byte[]> freeBuffers = new ConcurrentLinkedQueue<>();
    private byte[] chunk;
    private int chunkFill;
    private long totalBytes;
    private boolean finished;

    private ContentDigester(
            ImportOptions options, Executor leafExecutor, Executor fileDigestExecutor, boolean cidOnly) {
        this.options = options;
        this.cidOnly = cidOnly;
        this.leafExecutor = leafExecutor;
        this.fileDigestLane = new SerialLane(fileDigestExecutor);
        this.builder = new BalancedDagBuilder(options);
        this.chunk = new byte[options.chunkBytes()];
    }

    /** Hashes on the shared pools (leaves: cores - 1 threads; whole-file digests: one lane per digester). */
    public static ContentDigester create(ImportOptions options) {
        return new ContentDigester(options, SharedPools.LEAVES, SharedPools.FILE_DIGESTS, false);
    }

    /**
     * A digester that computes only the CID (the leaves and the DAG), not the whole-file SHA-256: half the hashing,
     * for checking bytes against a CID they must match. Its {@link #finishCid()} gives the CID; {@link #finish()} is
     * not available.
     */
    public static ContentDigester forCid(ImportOptions options) {
        return new ContentDigester(options, SharedPools.LEAVES, SharedPools.FILE_DIGESTS, true);
    }

    /** Hashes everything on {@code executor}; pass {@code Runnable::run} to hash on the caller's thread. */
    public static ContentDigester create(ImportOptions options, Executor executor) {
        return new ContentDigester(options, executor, executor, false);
    }

    /** Digests a whole stream (does not close it). */
    public static ContentSummary digest(InputStream in, ImportOptions options) throws IOException {
        ContentDigester digester = create(options);
        digester.consume(in);
        return digester.finish();
    }

    /** Digests bytes in memory without copying them. */
    public static ContentSummary digest(byte[] data, ImportOptions options) {
        ContentDigester digester = create(options);
        digester.updateInPlace(ByteBuffer.wrap(data));
        return digester.finish();
    }

    /** Digests a file through read-only memory mappings, so its bytes are never copied into Java buffers. */
    public static ContentSummary digest(Path file, ImportOptions options) throws IOException {
        ContentDigester digester = create(options);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            long window = (long) (MAP_WINDOW_BYTES / options.chunkBytes()) * options.chunkBytes();
            for (long pos = 0; pos < size; pos += window) {
                digester.updateInPlace(channel.map(FileChannel.MapMode.READ_ONLY, pos, Math.min(window, size - pos)));
            }
        }
        return digester.finish();
    }

    /** Adds {@code data[offset, offset+length)}; the bytes are copied, so the caller may reuse its array at once. */
    public void update(byte[] data, int offset, int length) {
        requireOpen();
        copyIn(ByteBuffer.wrap(data, offset, length));
    }

    /**
     * Hashes {@code data} where it lies: whole chunks are hashed straight from it, only a partial chunk at either end
     * is copied. {@code data}'s content must not change until {@link #finish()} returns; its position is not moved.
     */
    public void updateInPlace(ByteBuffer data) {
        requireOpen();
        ByteBuffer rest = data.duplicate();
        if (chunkFill > 0) {
            int topUp = Math.min(rest.remaining(), chunk.length - chunkFill);
            copyIn(rest.slice(rest.position(), topUp));
            rest.position(rest.position() + topUp);
        }
        int chunkBytes = options.chunkBytes();
        while (rest.remaining() >= chunkBytes) {
            submitSlice(rest.slice(rest.position(), chunkBytes), null);
            rest.position(rest.position() + chunkBytes);
            totalBytes += chunkBytes;
        }
        copyIn(rest);
    }

    /** Copies all of {@code src} into chunk buffers, submitting each one that fills. */
    private void copyIn(ByteBuffer src) {
        while (src.hasRemaining()) {
            int n = Math.min(src.remaining(), chunk.length - chunkFill);
            src.get(chunk, chunkFill, n);
            chunkFill += n;
            totalBytes += n;
            if (chunkFill == chunk.length) {
                submitChunk();
            }
        }
    }

    /**
     * Reads {@code in} to its end straight into chunk buffers (no intermediate copy), hashing as it goes. Does not
     * close {@code in}.
     */
    public void consume(InputStream in) throws IOException {
        requireOpen();
        int n;
        while ((n = in.read(chunk, chunkFill, chunk.length - chunkFill)) != -1) {
            totalBytes += n;
            chunkFill += n;
            if (chunkFill == chunk.length) {
                submitChunk();
            }
        }
    }

    /** Ends the stream and returns the summary. An empty stream yields the CID of one empty leaf, as IPFS does. */
    public ContentSummary finish() {
        if (cidOnly) {
            throw new IllegalStateException("a CID-only digester has no whole-file digest; call finishCid()");
        }
        DagLink root = complete();
        return new ContentSummary(root.cid(), Multihash.sha256(fileDigest.digest()), totalBytes);
    }

    /** Ends the stream and returns its CID (any digester). */
    public Cid finishCid() {
        return complete().cid();
    }

    private DagLink complete() {
        requireOpen();
        finished = true;
        if (chunkFill > 0 || totalBytes == 0) {
            submitChunk();
        }
        // Joining every chunk's file step in order leaves the whole-file digest complete.
        while (!pending.isEmpty()) {
            takeOldest();
        }
        chunk = null;
        freeBuffers.clear();
        return builder.finish();
    }

    private void requireOpen() {
        if (finished) {
            throw new IllegalStateException("digester already finished");
        }
    }

    private void submitChunk() {
        submitSlice(ByteBuffer.wrap(chunk, 0, chunkFill), chunk);
        byte[] recycled = freeBuffers.poll();
        chunk = recycled != null ? recycled : new byte[options.chunkBytes()];
        chunkFill = 0;
    }

    /** Queues the two hash tasks of one chunk; {@code buffer}, if given, is recycled once both are done. */
    private void submitSlice(ByteBuffer slice, byte[] buffer) {
        CompletableFuture<Void> fileStep = cidOnly
                ? CompletableFuture.completedFuture(null)
                : fileDigestLane.submit(() -> fileDigest.update(slice.duplicate()));
        CompletableFuture<DagLink> leaf =
                CompletableFuture.supplyAsync(() -> UnixfsNodes.leaf(slice.duplicate(), options), leafExecutor);
        if (buffer != null) {
            CompletableFuture.allOf(fileStep, leaf).whenComplete((ignored, error) -> freeBuffers.offer(buffer));
        }
        pending.addLast(new PendingChunk(leaf, fileStep));
        while (pending.size() >= MAX_PENDING_CHUNKS
                || (!pending.isEmpty() && pending.peekFirst().isDone())) {
            takeOldest();
        }
    }

    private void takeOldest() {
        PendingChunk oldest = pending.removeFirst();
        builder.addLeaf(join(oldest.leaf()));
        join(oldest.fileStep());
    }

    /** The two hash tasks of one chunk; its buffer is free again when both are done. */
    private record PendingChunk(CompletableFuture<DagLink> leaf, CompletableFuture<Void> fileStep) {
        boolean isDone() {
            return leaf.isDone() && fileStep.isDone();
        }
    }

    private static <T> T join(CompletableFuture<T> leaf) {
        try {
            return leaf.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new UncheckedIOException(new IOException("leaf hashing failed", e.getCause()));
        }
    }
}
