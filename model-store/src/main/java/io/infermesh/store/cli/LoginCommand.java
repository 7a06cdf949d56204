package io.infermesh.store.cli;

import io.infermesh.store.cli.gateway.Credentials;
import io.infermesh.store.cli.gateway.CredentialsFile;
import io.infermesh.store.cli.gateway.GatewayClient;
import io.infermesh.store.cli.gateway.GatewayEndpoint;
import io.infermesh.store.cli.gateway.GatewayProtocolException;
import io.infermesh.store.cli.gateway.IssuedApiKey;
import io.infermesh.store.cli.gateway.SignInChallenge;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.ManifestSignature;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.web3j.crypto.ECKeyPair;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "login",
        description = {
            "Sign in to a gateway with an Ethereum key: sign its challenge (EIP-191 personal_sign), receive a new API",
            "key and save it in ${XDG_CONFIG_HOME:-~/.config}/infermesh/credentials.json (mode 600;"
                    + " INFERMESH_CONFIG_DIR overrides the folder)."
        })
final class LoginCommand implements Callable<Integer> {
    static final String DEFAULT_LABEL = "infermesh-cli";

    @Mixin
    GatewayOptions gateway;

    @Option(names = "--key", required = true, paramLabel = "KEYFILE", description = "key file of the account")
    Path keyFile;

    @Option(
            names = "--label",
            paramLabel = "L",
            defaultValue = DEFAULT_LABEL,
            description = "name of the new API key (default: ${DEFAULT-VALUE})")
    String label;

    @Option(names = "--show-key", description = "also print the API key's secret (it is saved either way)")
    boolean showKey;

    @Override
    public Integer call() throws Exception {
        ECKeyPair key = KeyFiles.read(keyFile);
        EthAddress account = KeyFiles.address(key);
        GatewayEndpoint endpoint = gateway.endpoint();
        IssuedApiKey issued;
        try (GatewayClient client = GatewayClient.anonymous(endpoint)) {
            SignInChallenge challenge = client.challenge(account);
            if (!challenge.isFor(account)) {
                throw new GatewayProtocolException("the gateway's sign-in message does not name " + account
                        + " and its nonce; refusing to sign it");
            }
            ManifestSignature signature =
                    ManifestSignature.signMessage(challenge.message().getBytes(StandardCharsets.UTF_8), key);
            issued = client.verify(challenge.message(), signature, Optional.of(label));
        }
        if (!issued.account().equals(account)) {
            throw new GatewayProtocolException(
                    "the gateway issued a key for " + issued.account() + " instead of " + account);
        }
        Path file = gateway.credentialsFile();
        CredentialsFile.write(file, new Credentials(endpoint, issued.account(), issued.id(), issued.key()));
        PrintWriter out = gateway.out();
        out.println("account   " + issued.account());
        out.println("key id    " + issued.id());
        out.println("saved to  " + file);
        if (showKey) {
            out.println("api key   " + issued.key().secret());
        }
        out.flush();
        return ExitCodes.OK;
    }
}
