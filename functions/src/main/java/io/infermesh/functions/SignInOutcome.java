package io.infermesh.functions;

import io.infermesh.store.manifest.EthAddress;
import java.util.Objects;

/** What {@link SignIn#signIn} decided. */
public sealed interface SignInOutcome {
    /**
     * The signature is the account's over a live challenge; a key was issued and the challenge is used up.
     *
     * @param account the signed-in account
     * @param key the new API key (its secret is shown once)
     */
    record SignedIn(EthAddress account, IssuedKey key) implements SignInOutcome {
        public SignedIn {
            Objects.requireNonNull(account, "account");
            Objects.requireNonNull(key, "key");
        }
    }

    /**
     * Refused; nothing issued.
     *
     * @param reason why
     */
    record Refused(Reason reason) implements SignInOutcome {
        public Refused {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Why a sign-in was refused. */
    enum Reason {
        /** Not a sign-in message in the layout the gateway issues, or not this gateway's domain/URI/chain. */
        MALFORMED,
        /** The signature does not recover the address the message names. */
        WRONG_SIGNER,
        /** The message's expiration time has passed. */
        EXPIRED,
        /** No live challenge with this nonce and text: never issued, already used, or expired and dropped. */
        UNKNOWN_CHALLENGE
    }
}
