package io.infermesh.functions.models;

import io.infermesh.functions.Namespaces;
import io.infermesh.functions.api.ProblemException;
import io.infermesh.store.BlobStore;
import io.infermesh.store.ContentMismatchException;
import io.infermesh.store.ContentSummary;
import io.infermesh.store.ModelRef;
import io.infermesh.store.ModelStoreException;
import io.infermesh.store.TagStore;
import io.infermesh.store.TagStore.TagEntry;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ManifestFile;
import io.infermesh.store.manifest.ManifestSignature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Flow 1 "Publish" on the gateway's side: blobs in, verified by CID while they stream; then a tag moved onto a manifest
 * whose owner signed it and owns the org.
 *
 * <p>Publishing checks, in order: the manifest is a stored, canonical manifest (422 {@code invalid_manifest} /
 * {@code missing_blobs}); every file it lists is stored (422 {@code missing_blobs}, listing them); the signature
 * recovers the manifest's owner (422 {@code invalid_signature}); the caller is signed in as that owner (403 {@code
 * not_manifest_owner}); the owner owns the org, claiming it when nobody does (403 {@code namespace_owned}). Only then
 * does the tag move. The org claim comes last so a publish that fails a check claims nothing.
 *
 * <p>Why the caller must be the owner: a signature covers only the manifest's CID, and every published manifest and
 * its signature can be read back. Were a valid signature enough, anyone with an API key could replay one to point
 * the owner's tags at any other manifest the owner ever signed: an old version (a rollback), or another model's
 * weights under this model's name. Only the owner's own key moves the owner's tags.
 *
 * <p>Thread-safe.
 */
public final class Publisher {
    private final BlobStore blobs;
    private final TagStore tags;
    private final Namespaces namespaces;
    private final ModelCatalog catalog;
    private final long maxBlobBytes;

    public Publisher(BlobStore blobs, TagStore tags, Namespaces namespaces, ModelCatalog catalog, long maxBlobBytes) {
        this.blobs = Objects.requireNonNull(blobs, "blobs");
        this.tags = Objects.requireNonNull(tags, "tags");
        this.namespaces = Objects.requireNonNull(namespaces, "namespaces");
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        this.maxBlobBytes = maxBlobBytes;
    }

    /**
     * An upload's result.
     *
     * @param sha256Hex the multihash of the whole blob, known when this call streamed it
     * @param created whether this call stored it ({@code false}: it was there already)
     */
    public record Upload(Cid cid, long sizeBytes, Optional<String> sha256Hex, boolean created) {}

    /** The CIDs among {@code cids} the store lacks, in request order. */
    public List<Cid> missing(List<Cid> cids) {
        return blobs.missing(cids);
    }

    /**
     * Streams {@code body} into the store under {@code cid}. Nothing becomes visible unless the bytes hash to {@code
     * cid} (422 {@code cid_mismatch}); more than the size limit is refused (413 {@code payload_too_large}).
     *
     * @param declaredLength the request's Content-Length, or -1 when it is not known
     */
    public Upload upload(Cid cid, InputStream body, long declaredLength) {
        if (declaredLength > maxBlobBytes) {
            throw tooLarge(declaredLength);
        }
        Optional<BlobStore.BlobInfo> present = blobs.stat(cid);
        if (present.isPresent()) {
            drain(body);
            return new Upload(cid, present.get().sizeBytes(), Optional.empty(), false);
        }
        LimitedInputStream limited = new LimitedInputStream(body, maxBlobBytes);
        try {
            ContentSummary stored = blobs.put(cid, limited);
            return new Upload(
                    cid, stored.sizeBytes(), Optional.of(stored.sha256().hex()), true);
        } catch (ContentMismatchException e) {
            throw new ProblemException(
                    422,
                    "cid_mismatch",
                    e.getMessage()
                            + "; nothing was stored. Compute the CID with `infermesh cid FILE` and upload those exact bytes");
        } catch (ModelStoreException | UncheckedIOException e) {
            if (limited.exceeded()) {
                throw tooLarge(limited.count());
            }
            throw e;
        }
    }

    /**
     * Points {@code ref} at the manifest {@code manifestCid}, signed by {@code signature}, for the account {@code
     * caller} signed in as; see the class contract.
     */
    public TagEntry publish(ModelRef ref, Cid manifestCid, String signature, EthAddress caller) {
        Objects.requireNonNull(caller, "caller");
        Manifest manifest = catalog.manifest(manifestCid);
        List<Cid> files = manifest.files().stream().map(ManifestFile::cid).toList();
        List<Cid> missing = blobs.missing(files);
        if (!missing.isEmpty()) {
            throw new ProblemException(
                    422,
                    "missing_blobs",
                    missing.size() + " file(s) of the manifest are not in the store; upload them first (PUT"
                            + " /v1/blobs/{cid})",
                    Map.of("missing", missing.stream().map(Cid::toString).toList()),
                    Optional.empty());
        }
        EthAddress signer;
        try {
            signer = ManifestSignature.parse(signature).recover(manifestCid);
        } catch (ModelStoreException e) {
            throw new ProblemException(422, "invalid_signature", e.getMessage());
        }
        if (!signer.equals(manifest.owner())) {
            throw new ProblemException(
                    422,
                    "invalid_signature",
                    "the signature recovers " + signer + " but the manifest's owner is " + manifest.owner()
                            + "; sign the manifest CID with the owner's key (personal_sign)");
        }
        if (!caller.equals(signer)) {
            throw new ProblemException(
                    403,
                    "not_manifest_owner",
                    "you are signed in as " + caller + " but this manifest belongs to " + signer
                            + "; only its owner moves its tags: sign in with the owner's key (`infermesh login --key"
                            + " OWNER.key`) and publish again");
        }
        EthAddress owner = namespaces.claim(ref.org(), signer);
        if (!owner.equals(signer)) {
            throw new ProblemException(
                    403,
                    "namespace_owned",
                    "the org '" + ref.org() + "' belongs to " + owner + "; publish under an org of your own");
        }
        TagEntry entry = tags.setTag(ref, manifestCid);
        catalog.moved(ref, manifestCid);
        return entry;
    }

    private ProblemException tooLarge(long bytes) {
        return new ProblemException(
                413,
                "payload_too_large",
                "the blob is " + (bytes > maxBlobBytes ? "over " : "") + bytes + " bytes; this gateway stores blobs of"
                        + " at most " + maxBlobBytes + " bytes");
    }

    private static void drain(InputStream body) {
        try {
            body.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            // the client went away; the blob is stored either way
        }
    }
}
