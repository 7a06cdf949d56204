package io.infermesh.functions;

import io.infermesh.store.manifest.Wei;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The first response to an idempotent call, replayed byte for byte to later duplicates.
 *
 * @param status the HTTP status
 * @param headers the subset of headers worth replaying (content type, request id, cost), names as sent
 * @param body the response body
 * @param charged the wei the first call was charged (zero if it was not)
 * @param receiptId the first call's receipt, if it was charged
 */
public record StoredResponse(
        int status, Map<String, String> headers, byte[] body, Wei charged, Optional<ReceiptId> receiptId) {
    public StoredResponse {
        if (status < 100 || status > 599) {
            throw FunctionsException.invalid("an HTTP status is 100-599; got " + status);
        }
        headers = Map.copyOf(headers);
        body = body.clone();
        Objects.requireNonNull(charged, "charged");
        Objects.requireNonNull(receiptId, "receiptId");
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredResponse other
                && status == other.status
                && headers.equals(other.headers)
                && Arrays.equals(body, other.body)
                && charged.equals(other.charged)
                && receiptId.equals(other.receiptId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, headers, Arrays.hashCode(body), charged, receiptId);
    }

    @Override
    public String toString() {
        return "StoredResponse[status=" + status + ", headers=" + headers + ", body=" + body.length + " bytes, charged="
                + charged + ", receiptId=" + receiptId + "]";
    }
}
