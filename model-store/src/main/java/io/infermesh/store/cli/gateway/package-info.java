/**
 * The CLI's client for the infermesh gateway's REST contract ({@code openapi/infermesh.yaml}): the HTTP calls, the
 * values they carry, the signed pool envelope, the saved credentials, and the verified download of a model folder.
 *
 * <p>Invariants: an API key is only ever sent to the gateway it was issued for, never to a redirect target (blob
 * downloads follow the gateway's 307 to a presigned store URL without credentials); every downloaded byte is checked
 * against its CID before the file appears under its name; amounts are {@link io.infermesh.store.manifest.Wei}, never
 * floats. Every failure is a {@link io.infermesh.store.cli.gateway.GatewayException} (or, for content and input
 * checks, the model store's own {@link io.infermesh.store.ModelStoreException}).
 */
package io.infermesh.store.cli.gateway;
