package io.infermesh.pool.cache;

import io.infermesh.pool.WorkerException;
import io.infermesh.store.cid.Cid;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Blobs over plain HTTP GET: presigned S3 URLs handed out per CID, or a base URL the CID is appended to (a gateway's
 * blob endpoint, an IPFS gateway's {@code /ipfs/}). The worker holds no credentials; it only follows URLs it was
 * given.
 */
public final class HttpBlobSource implements BlobSource {
    /**
     * A server that sends no headers, or then no byte of a {@link #transfer}'s body, for this long is given up
     * (UNAVAILABLE); the client has no read timeout of its own.
     */
    static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);

    static final String READ_BUFFER_PROPERTY = "jdk.httpclient.bufsize";
    static final int READ_BUFFER_BYTES = 256 << 10;

    private final HttpClient http;
    private final Function<Cid, Optional<URI>> urls;
    private final String description;
    private final Duration stallTimeout;

    private HttpBlobSource(
            HttpClient http, Function<Cid, Optional<URI>> urls, String description, Duration stallTimeout) {
        this.http = http;
        this.urls = urls;
        this.description = description;
        this.stallTimeout = stallTimeout;
    }

    /** The same source, giving up on a server that sends nothing for {@code stallTimeout} (tests use seconds). */
    HttpBlobSource withStallTimeout(Duration stallTimeout) {
        return new HttpBlobSource(http, urls, description, stallTimeout);
    }

    /** GETs {@code base + cid} (a '/' is inserted when {@code base} does not end with one). */
    public static HttpBlobSource baseUrl(HttpClient http, URI base) {
        String prefix = base.toString().endsWith("/") ? base.toString() : base + "/";
        return new HttpBlobSource(
                http,
                cid -> Optional.of(URI.create(prefix + cid)),
                "base URL " + redact(URI.create(prefix)),
                STALL_TIMEOUT);
    }

    /** GETs the URL given for each CID; a CID without one is NOT_FOUND. */
    public static HttpBlobSource perCid(HttpClient http, Map<Cid, URI> urls) {
        Map<Cid, URI> copy = Map.copyOf(urls);
        return new HttpBlobSource(
                http, cid -> Optional.ofNullable(copy.get(cid)), copy.size() + " presigned URLs", STALL_TIMEOUT);
    }

    /**
     * The client blob downloads use. Sets {@code jdk.httpclient.bufsize} to {@value #READ_BUFFER_BYTES} unless the
     * operator set it: the JDK client reads the socket into buffers of that size (16 KiB by default) and does its
     * per-buffer work (parsing, hand-offs, deliveries) once per buffer. Measured on the 87 MiB MiniLM file from
     * S3Proxy over plain HTTP (BlobFetchBenchmark, 2 shared vCPUs, medians of 7 rounds): download plus verification
     * 204 → 157 ms, the bare download 166 → 96 ms; downloads over TLS were not measured. The JDK reads the property
     * once, when its client first loads, so this must run before any other {@code java.net.http} client in the
     * process (the worker creates this one first).
     */
    public static HttpClient defaultClient() {
        if (System.getProperty(READ_BUFFER_PROPERTY) == null) {
            System.setProperty(READ_BUFFER_PROPERTY, Integer.toString(READ_BUFFER_BYTES));
        }
        return HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /**
     * Reads the whole blob through {@link #transfer} (so a server that stalls mid-body is given up after the stall
     * timeout, which the JDK's body stream would wait for forever) and opens it from memory. For small blobs, the
     * manifests: one larger than {@value #OPEN_MAX_BYTES} bytes is refused; files go through {@link #transfer}.
     */
    @Override
    public InputStream open(Cid cid) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            transfer(cid, buffers -> {
                for (ByteBuffer b : buffers) {
                    if (bytes.size() + (long) b.remaining() > OPEN_MAX_BYTES) {
                        throw WorkerException.invalidArgument("blob " + cid + " is larger than " + OPEN_MAX_BYTES
                                + " bytes, more than a manifest can be; is it a model file?");
                    }
                    byte[] piece = new byte[b.remaining()];
                    b.get(piece);
                    bytes.writeBytes(piece);
                }
            });
        } catch (IOException e) {
            throw WorkerException.unavailable("could not fetch blob " + cid + " from " + description + ": " + e);
        }
        return new ByteArrayInputStream(bytes.toByteArray());
    }

    /** The most bytes {@link #open} reads: a manifest is at most 1 MiB. */
    static final int OPEN_MAX_BYTES = 4 << 20;

    /** The client's buffers go straight to {@code sink} ({@link BodyQueue}): no stream, no per-read copy. */
    @Override
    public void transfer(Cid cid, ByteSink sink) throws IOException {
        URI uri = uri(cid);
        BodyQueue body = new BodyQueue(stallTimeout);
        send(cid, uri, info -> info.statusCode() == 200 ? body : HttpResponse.BodySubscribers.replacing(null));
        try {
            body.drainTo(sink);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw WorkerException.unavailable("interrupted while fetching blob " + cid);
        }
    }

    private URI uri(Cid cid) {
        return urls.apply(cid)
                .orElseThrow(() -> WorkerException.notFound(
                        "no URL was given for blob " + cid + "; pass blob_url:" + cid + " or blob_base_url"));
    }

    /** GETs {@code uri}; returns a 200 response, or throws the {@code WorkerException} its status calls for. */
    private <T> HttpResponse<T> send(Cid cid, URI uri, HttpResponse.BodyHandler<T> body) {
        HttpResponse<T> response;
        try {
            // The timeout bounds the wait for the status and headers; the client has no other read timeout, and
            // a server that accepts the connection but never answers would hold the load forever.
            response = http.send(
                    HttpRequest.newBuilder(uri).timeout(stallTimeout).GET().build(), body);
        } catch (IOException e) {
            throw WorkerException.unavailable("could not fetch blob " + cid + " from " + redact(uri) + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw WorkerException.unavailable("interrupted while fetching blob " + cid);
        }
        int status = response.statusCode();
        if (status == 200) {
            return response;
        }
        String where = "blob " + cid + " at " + redact(uri) + " answered HTTP " + status;
        throw switch (status) {
            case 404 -> WorkerException.notFound(where);
            case 401, 403 ->
                new WorkerException(
                        WorkerException.Code.FAILED_PRECONDITION,
                        where + "; the URL is not authorized (a presigned URL may have expired)");
            default -> WorkerException.unavailable(where);
        };
    }

    @Override
    public String describe() {
        return description;
    }

    /** Drops the query string: presigned URLs carry a signature there that must not reach logs or callers. */
    static String redact(URI uri) {
        return uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath();
    }
}
