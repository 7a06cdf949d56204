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

    public static HttpClient defaultClient() {
        return HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    @Override
    public InputStream open(Cid cid) {
        URI uri = urls.apply(cid)
                .orElseThrow(() -> WorkerException.notFound(
                        "no URL was given for blob " + cid + "; pass blob_url:" + cid + " or blob_base_url"));
        HttpResponse<InputStream> response;
        try {
            response = http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw WorkerException.unavailable("could not fetch blob " + cid + " from " + redact(uri) + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw WorkerException.unavailable("interrupted while fetching blob " + cid);
        }
        int status = response.statusCode();
        if (status == 200) {
            return response.body();
        }
        try (InputStream ignored = response.body()) {
            String where = "blob " + cid + " at " + redact(uri) + " answered HTTP " + status;
            throw switch (status) {
                case 404 -> WorkerException.notFound(where);
                case 401, 403 ->
                    new WorkerException(
                            WorkerException.Code.FAILED_PRECONDITION,
                            where + "; the URL is not authorized (a presigned URL may have expired)");
                default -> WorkerException.unavailable(where);
            };
        } catch (IOException e) {
            throw WorkerException.unavailable("could not fetch blob " + cid + ": " + e.getMessage());
        }
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
