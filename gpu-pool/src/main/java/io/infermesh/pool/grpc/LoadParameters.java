package io.infermesh.pool.grpc;

import io.infermesh.openapi.inference.ModelRepositoryParameter;
import io.infermesh.pool.WorkerException;
import io.infermesh.pool.cache.BlobSource;
import io.infermesh.pool.cache.ByteSink;
import io.infermesh.pool.cache.HttpBlobSource;
import io.infermesh.pool.cache.LoadSpec;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.cid.InvalidCidException;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads {@code RepositoryModelLoad} parameters:
 *
 * <ul>
 *   <li>{@code manifest_cid} (string, required): the manifest to serve;
 *   <li>{@code blob_url:<cid>} (string, repeatable): a URL (e.g. presigned) for that one blob, manifest included;
 *   <li>{@code blob_base_url} (string): a URL the CID is appended to, for blobs without their own URL;
 *   <li>backend options (e.g. {@code model_file}, {@code max_sequence_length}).
 * </ul>
 *
 * Without URLs the worker's configured store is used, if it has one. Backends see all parameters (the Triton backend
 * forwards them upstream).
 */
final class LoadParameters {
    static final String MANIFEST_CID = "manifest_cid";
    static final String BLOB_URL_PREFIX = "blob_url:";
    static final String BLOB_BASE_URL = "blob_base_url";

    private LoadParameters() {}

    static LoadSpec parse(
            String modelName,
            Map<String, ModelRepositoryParameter> raw,
            Optional<BlobSource> configuredStore,
            HttpClient http) {
        Map<String, String> params = new LinkedHashMap<>();
        raw.forEach((k, v) -> params.put(k, asString(k, v)));
        String cidText = params.get(MANIFEST_CID);
        if (cidText == null || cidText.isBlank()) {
            throw WorkerException.invalidArgument("RepositoryModelLoad needs the string parameter " + MANIFEST_CID
                    + " (the CID of the model's manifest, as printed by 'infermesh model publish')");
        }
        Cid manifestCid = cid(MANIFEST_CID, cidText);
        Map<Cid, URI> perCid = new HashMap<>();
        params.forEach((k, v) -> {
            if (k.startsWith(BLOB_URL_PREFIX)) {
                perCid.put(cid(k, k.substring(BLOB_URL_PREFIX.length())), url(k, v));
            }
        });
        Optional<BlobSource> base = Optional.ofNullable(params.get(BLOB_BASE_URL))
                .map(v -> HttpBlobSource.baseUrl(http, url(BLOB_BASE_URL, v)));
        BlobSource source;
        if (!perCid.isEmpty()) {
            BlobSource urls = HttpBlobSource.perCid(http, perCid);
            source = base.<BlobSource>map(b -> new FirstOf(urls, perCid, b)).orElse(urls);
        } else if (base.isPresent()) {
            source = base.get();
        } else {
            source = configuredStore.orElseThrow(() -> WorkerException.invalidArgument("this worker has no model"
                    + " store configured; pass blob_url:<cid> (presigned URLs) or blob_base_url parameters"));
        }
        return new LoadSpec(modelName, manifestCid, source, params);
    }

    private static String asString(String key, ModelRepositoryParameter p) {
        return switch (p.getParameterChoiceCase()) {
            case STRING_PARAM -> p.getStringParam();
            case INT64_PARAM -> Long.toString(p.getInt64Param());
            case BOOL_PARAM -> Boolean.toString(p.getBoolParam());
            case BYTES_PARAM, PARAMETERCHOICE_NOT_SET ->
                throw WorkerException.invalidArgument("parameter '" + key + "' must be a string, int64 or bool");
        };
    }

    private static Cid cid(String key, String text) {
        try {
            return Cid.parse(text);
        } catch (InvalidCidException e) {
            throw WorkerException.invalidArgument("parameter '" + key + "': " + e.getMessage());
        }
    }

    private static URI url(String key, String text) {
        try {
            URI uri = URI.create(text);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw WorkerException.invalidArgument("parameter '" + key + "' must be an http or https URL");
        }
    }

    /** Per-blob URLs first, then a base URL for the rest. */
    private record FirstOf(BlobSource urls, Map<Cid, URI> known, BlobSource fallback) implements BlobSource {
        @Override
        public java.io.InputStream open(Cid cid) {
            return known.containsKey(cid) ? urls.open(cid) : fallback.open(cid);
        }

        @Override
        public void transfer(Cid cid, ByteSink sink) throws java.io.IOException {
            (known.containsKey(cid) ? urls : fallback).transfer(cid, sink);
        }

        @Override
        public String describe() {
            return urls.describe() + " and " + fallback.describe();
        }
    }
}
