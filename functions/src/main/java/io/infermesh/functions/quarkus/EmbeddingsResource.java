package io.infermesh.functions.quarkus;

import io.infermesh.functions.RequestId;
import io.infermesh.functions.inference.Caller;
import io.infermesh.functions.inference.OpenAiEmbeddings;
import io.infermesh.functions.inference.PaidInference;
import io.infermesh.functions.inference.Phases;
import io.infermesh.functions.models.ModelCatalog;
import io.infermesh.store.ModelRef;
import io.smallrye.common.annotation.RunOnVirtualThread;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;

/**
 * OpenAI-compatible embeddings: {@code POST /v1/embeddings} on a published {@code text-embedding} model, paid per call
 * through {@link PaidInference}. Works with the official OpenAI clients pointed at {@code <gateway>/v1}.
 */
@Path("/v1/embeddings")
@Produces(MediaType.APPLICATION_JSON)
@RunOnVirtualThread
public class EmbeddingsResource {
    @Inject
    Gateway gateway;

    @Inject
    Callers callers;

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response embeddings(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(RequestIds.HEADER) String requestId,
            @HeaderParam(RequestIds.CALL_HEADER) String callId,
            @HeaderParam("Idempotency-Key") String idempotencyKey,
            InputStream in) {
        Phases phases = new Phases();
        Caller caller = callers.begin(authorization);
        phases.mark("auth");
        try {
            return embeddings(caller, requestId, callId, idempotencyKey, in, phases);
        } catch (RuntimeException e) {
            throw caller.refusalOr(e);
        }
    }

    private Response embeddings(
            Caller caller, String requestId, String callId, String idempotencyKey, InputStream in, Phases phases) {
        byte[] body = InferenceResource.readLimited(
                in, gateway.config().inference().maxRequestBytes().asLongValue());
        OpenAiEmbeddings.Request request = OpenAiEmbeddings.parse(Json.read(body));
        ModelRef ref = ModelCatalog.parseRef(request.model());
        phases.mark("read");
        PaidInference.Answer answer = gateway.inference()
                .run(
                        caller,
                        new RequestId(callId),
                        InferenceResource.key(idempotencyKey),
                        InferenceResource.fingerprint("POST /v1/embeddings", body),
                        () -> InferenceResource.requireTask(gateway.catalog().resolve(ref)),
                        t -> OpenAiEmbeddings.toGrpc(
                                request,
                                t.model(),
                                t.version(),
                                InferenceResource.name(t.resolved().manifest().inputs(), "text"),
                                InferenceResource.name(t.resolved().manifest().outputs(), "embedding"),
                                requestId),
                        (model, response) -> PaidInference.Rendered.json(OpenAiEmbeddings.toJson(
                                request,
                                response,
                                InferenceResource.name(model.manifest().outputs(), "embedding"),
                                model.ref().toString())),
                        phases);
        return InferenceResource.ok(answer, phases);
    }
}
