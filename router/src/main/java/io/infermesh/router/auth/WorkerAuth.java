package io.infermesh.router.auth;

import io.grpc.Metadata;
import io.infermesh.router.RouterException;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * How a worker knows a call comes from a gateway: a short-lived token, signed with the gateway's Ed25519 key, bound to
 * one worker, sent as {@code authorization: Bearer <token>} on every call.
 *
 * <pre>
 *   token   = "v1." kid "." workerId "." exp "." base64url(signature)        (no padding)
 *   signed  = UTF-8 bytes of "v1." kid "." workerId "." exp
 *   kid     = the gateway key's id, [A-Za-z0-9_-]{1,32} (lets workers trust several keys during a rotation)
 *   exp     = expiry, Unix seconds
 * </pre>
 *
 * <p>Why Ed25519 and not an HMAC over a shared pool secret: workers are third parties. With a shared secret every
 * worker could mint tokens and call its peers as if it were the gateway, and the secret would have to reach every
 * worker confidentially. With a signature only gateways hold a secret; a worker holds a public key that may leak
 * harmlessly. Binding the token to the worker id means a token a worker receives (or that is sniffed on its link)
 * opens no other worker; the short lifetime (default 5 minutes) bounds replay to that same worker. Verification
 * costs one Ed25519 check per distinct token, and the gateway reuses a token for half its lifetime, so workers cache
 * accepted tokens and pay it once every few minutes per gateway.
 *
 * <p>Confidentiality of requests is the transport's job (TLS on the channel); the token authenticates the caller.
 */
public final class WorkerAuth {
    /** The gRPC metadata key the token travels under. */
    public static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    /** The prefix of the header value. */
    public static final String BEARER = "Bearer ";

    static final String VERSION = "v1";
    static final String ALGORITHM = "Ed25519";

    private WorkerAuth() {}

    /** A fresh gateway key pair. */
    public static KeyPair generateKeyPair() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw RouterException.crypto("this JDK cannot generate Ed25519 keys", e);
        }
    }

    /** The standard encoding of a key (X.509 for public, PKCS#8 for private) in base64, for configuration. */
    public static String encode(Key key) {
        return Base64.getEncoder().encodeToString(key.getEncoded());
    }

    /** Reads a public key written by {@link #encode}. */
    public static PublicKey publicKey(String base64X509) {
        try {
            return KeyFactory.getInstance(ALGORITHM)
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64X509.strip())));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw RouterException.crypto("not a base64 X.509 Ed25519 public key", e);
        }
    }

    /** Reads a private key written by {@link #encode}. */
    public static PrivateKey privateKey(String base64Pkcs8) {
        try {
            return KeyFactory.getInstance(ALGORITHM)
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64Pkcs8.strip())));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw RouterException.crypto("not a base64 PKCS#8 Ed25519 private key", e);
        }
    }

    static boolean isKeyId(String kid) {
        if (kid.isEmpty() || kid.length() > 32) {
            return false;
        }
        for (int i = 0; i < kid.length(); i++) {
            char c = kid.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }
}
