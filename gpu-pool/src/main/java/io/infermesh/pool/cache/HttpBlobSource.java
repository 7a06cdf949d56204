package io.infermesh.pool.cache;

import io.infermesh.pool.WorkerException;
import io.infermesh.store.cid.Cid;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
    /** A download that delivers no byte for this long is given up (UNAVAILABLE); the client has no read timeout. */
    static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);

    static final String READ_BUFFER_PROPERTY = "jdk.httpclient.bufsize";
    static final int READ_BUFFER_BYTES = 256 << 10;

    private final HttpClient http;
    private final Function<Cid, Optional<URI>> urls;
    private final String description;

    private HttpBlobSource(HttpClient http, Function<Cid, Optional<URI>> urls, String description) {
        this.http = http;
        this.urls = urls;
        this.description = description;
    }

    /** GETs {@code base + cid} (a '/' is inserted when {@code base} does not end with one). */
    public static HttpBlobSource baseUrl(HttpClient http, URI base) {
        String prefix = base.toString().endsWith("/") ? base.toString() : base + "/";
        return new HttpBlobSource(
                http, cid -> Optional.of(URI.create(prefix + cid)), "base URL " + redact(URI.create(prefix)));
    }

    /** GETs the URL given for each CID; a CID without one is NOT_FOUND. */
    public static HttpBlobSource perCid(HttpClient http, Map<Cid, URI> urls) {
        Map<Cid, URI> copy = Map.copyOf(urls);
        return new HttpBlobSource(http, cid -> Optional.ofNullable(copy.get(cid)), copy.size() + " presigned URLs");
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

    @Override
    public InputStream open(Cid cid) {
        URI uri = uri(cid);
        return send(
                        cid,
                        uri,
                        info -> info.statusCode() == 200
                                ? HttpResponse.BodySubscribers.ofInputStream()
                                : HttpResponse.BodySubscribers.replacing(InputStream.nullInputStream()))
                .body();
    }

    /** The client's buffers go straight to {@code sink} ({@link BodyQueue}): no stream, no per-read copy. */
    @Override
    public void transfer(Cid cid, ByteSink sink) throws IOException {
        URI uri = uri(cid);
        BodyQueue body = new BodyQueue(STALL_TIMEOUT);
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
            response = http.send(HttpRequest.newBuilder(uri).GET().build(), body);
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
