package io.infermesh.store.unixfs;

import io.infermesh.store.ContentSummary;
import io.infermesh.store.cid.Multihash;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * One streaming pass over a file yields its UnixFS CID, its SHA-256 and its size.
 *
 * <p>Bytes are pushed with {@link #update}; each byte is read once from the caller's buffer, where it is fed to the
 * whole-file SHA-256 and copied into the current chunk. Full chunks are hashed into leaf blocks on {@code
 * leafExecutor} (in parallel with the whole-file digest and with each other); finished leaves are joined in file
 * order and fed to the {@link BalancedDagBuilder}. At most {@value #MAX_PENDING_LEAVES} chunks are in flight, so
 * memory stays bounded (~{@value #MAX_PENDING_LEAVES} × chunk size) whatever the file size.
 *
 * <p>Not thread-safe: one digester per stream, driven by one thread.
 */
public final class ContentDigester {
    private static final int MAX_PENDING_LEAVES = 16;
    private static final int READ_BUFFER_BYTES = 1024 * 1024;

    private static final class SharedPool {
        static final ExecutorService LEAVES =
                Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), runnable -> {
                    Thread t = new Thread(runnable, "infermesh-leaf-hasher");
                    t.setDaemon(true);
                    return t;
                });
    }

    private final ImportOptions options;
    private final Executor leafExecutor;
    private final MessageDigest fileDigest = Multihash.newSha256();
    private final BalancedDagBuilder builder;
    private final ArrayDeque<CompletableFuture<DagLink>> pending = new ArrayDeque<>();
    private byte[] chunk;
    private int chunkFill;
    private long totalBytes;
    private boolean finished;

    private ContentDigester(ImportOptions options, Executor leafExecutor) {
        this.options = options;
        this.leafExecutor = leafExecutor;
        this.builder = new BalancedDagBuilder(options);
        this.chunk = new byte[options.chunkBytes()];
    }

    /** Leaves hashed on a shared pool of one thread per core. */
    public static ContentDigester create(ImportOptions options) {
        return new ContentDigester(options, SharedPool.LEAVES);
    }

    /** Leaves hashed on {@code leafExecutor}; pass {@code Runnable::run} to hash everything on the caller's thread. */
    public static ContentDigester create(ImportOptions options, Executor leafExecutor) {
        return new ContentDigester(options, leafExecutor);
    }

    /** Digests a whole stream (does not close it). */
    public static ContentSummary digest(InputStream in, ImportOptions options) throws IOException {
        ContentDigester digester = create(options);
        byte[] buffer = new byte[READ_BUFFER_BYTES];
        int n;
        while ((n = in.read(buffer)) != -1) {
            digester.update(buffer, 0, n);
        }
        return digester.finish();
    }

    public static ContentSummary digest(Path file, ImportOptions options) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return digest(in, options);
        }
    }

    public void update(byte[] data, int offset, int length) {
        if (finished) {
            throw new IllegalStateException("digester already finished");
        }
        fileDigest.update(data, offset, length);
        totalBytes += length;
        while (length > 0) {
            int n = Math.min(length, chunk.length - chunkFill);
            System.arraycopy(data, offset, chunk, chunkFill, n);
            chunkFill += n;
            offset += n;
            length -= n;
            if (chunkFill == chunk.length) {
                submitChunk();
            }
        }
    }

    /** Bytes seen so far. */
    public long size() {
        return totalBytes;
    }

    /** Ends the stream and returns the summary. An empty stream yields the CID of one empty leaf, as IPFS does. */
    public ContentSummary finish() {
        if (finished) {
            throw new IllegalStateException("digester already finished");
        }
        finished = true;
        if (chunkFill > 0 || totalBytes == 0) {
            submitChunk();
        }
        while (!pending.isEmpty()) {
            builder.addLeaf(join(pending.removeFirst()));
        }
        chunk = null;
        DagLink root = builder.finish();
        return new ContentSummary(root.cid(), Multihash.sha256(fileDigest.digest()), totalBytes);
    }

    private void submitChunk() {
        byte[] full = chunk;
        int length = chunkFill;
        pending.addLast(CompletableFuture.supplyAsync(() -> UnixfsNodes.leaf(full, length, options), leafExecutor));
        chunk = new byte[options.chunkBytes()];
        chunkFill = 0;
        while (pending.size() >= MAX_PENDING_LEAVES
                || (pending.peekFirst() != null && pending.peekFirst().isDone())) {
            builder.addLeaf(join(pending.removeFirst()));
        }
    }

    private static DagLink join(CompletableFuture<DagLink> leaf) {
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
