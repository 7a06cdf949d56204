package io.infermesh.it;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The benchmarks' HTTP/1.1 client: Vert.x on one event loop, kept-alive pooled connections, each answer completed on
 * the loop that read it. {@code java.net.http.HttpClient} hands every response to its executor (one more thread hop
 * per call), which on two shared cores shows up as "gateway overhead" that is the client's.
 */
final class LoopbackHttp implements AutoCloseable {
    private final Vertx vertx;
    private final HttpClient client;

    /** What came back. */
    record Reply(int status, MultiMap headers, byte[] body) {}

    LoopbackHttp() {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
        client = vertx.createHttpClient(
                new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true), new PoolOptions().setHttp1MaxSize(256));
    }

    /** {@code POST url} with {@code headers} and {@code body}. */
    CompletableFuture<Reply> post(String url, Map<String, String> headers, byte[] body) {
        return send(HttpMethod.POST, url, headers, body);
    }

    /** {@code GET url}. */
    CompletableFuture<Reply> get(String url) {
        return send(HttpMethod.GET, url, Map.of(), new byte[0]);
    }

    private CompletableFuture<Reply> send(HttpMethod method, String url, Map<String, String> headers, byte[] body) {
        URI uri = URI.create(url);
        RequestOptions options = new RequestOptions()
                .setMethod(method)
                .setHost(uri.getHost())
                .setPort(uri.getPort())
                .setURI(uri.getRawPath());
        headers.forEach(options::putHeader);
        return client.request(options)
                .compose(request -> request.send(Buffer.buffer(body)))
                .compose(response ->
                        response.body().map(b -> new Reply(response.statusCode(), response.headers(), b.getBytes())))
                .toCompletionStage()
                .toCompletableFuture();
    }

    @Override
    public void close() throws Exception {
        client.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
}
