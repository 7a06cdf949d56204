package io.infermesh.store.cli;

import io.infermesh.store.cli.gateway.ApiKey;
import io.infermesh.store.cli.gateway.Credentials;
import io.infermesh.store.cli.gateway.CredentialsFile;
import io.infermesh.store.cli.gateway.GatewayClient;
import io.infermesh.store.cli.gateway.GatewayEndpoint;
import io.infermesh.store.cli.gateway.MissingApiKeyException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Which gateway a command talks to and with which API key, and where it prints.
 *
 * <p>The gateway is {@code --gateway}, else {@code $INFERMESH_GATEWAY}, else the one of the saved login, else
 * {@code http://127.0.0.1:8080}. The API key is {@code $INFERMESH_API_KEY}, else the saved login's key if that login
 * is for this very gateway (a key is never sent to another one). The environment is the one the root
 * {@link InfermeshCli} was made with, so tests can run commands in-process with their own.
 */
final class GatewayOptions {
    static final String GATEWAY_ENV = "INFERMESH_GATEWAY";
    static final String API_KEY_ENV = "INFERMESH_API_KEY";

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(
            names = "--gateway",
            paramLabel = "URL",
            description = "gateway URL (env INFERMESH_GATEWAY; default: the one you logged in to, else"
                    + " http://127.0.0.1:8080)")
    String gateway;

    Map<String, String> env() {
        return command.root().userObject() instanceof InfermeshCli cli ? cli.env() : System.getenv();
    }

    PrintWriter out() {
        return command.commandLine().getOut();
    }

    PrintWriter err() {
        return command.commandLine().getErr();
    }

    Path credentialsFile() {
        return CredentialsFile.locate(env());
    }

    GatewayEndpoint endpoint() throws IOException {
        if (gateway != null) {
            return GatewayEndpoint.parse(gateway);
        }
        String fromEnv = env().get(GATEWAY_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return GatewayEndpoint.parse(fromEnv);
        }
        return saved().map(Credentials::gateway).orElse(GatewayEndpoint.LOCAL);
    }

    /** A client without an API key. */
    GatewayClient anonymous() throws IOException {
        return GatewayClient.anonymous(endpoint());
    }

    /** A client with the API key for the gateway, or {@link MissingApiKeyException} saying how to get one. */
    GatewayClient authenticated() throws IOException {
        GatewayEndpoint endpoint = endpoint();
        return GatewayClient.withApiKey(endpoint, apiKey(endpoint));
    }

    /**
     * The saved login, if there is a readable one. A damaged file counts as none here (so {@code login} can replace
     * it); {@link #authenticated()} reports it.
     */
    Optional<Credentials> saved() throws IOException {
        try {
            return CredentialsFile.read(credentialsFile());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private ApiKey apiKey(GatewayEndpoint endpoint) throws IOException {
        String fromEnv = env().get(API_KEY_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return new ApiKey(fromEnv.strip());
        }
        Path file = credentialsFile();
        Optional<Credentials> saved = CredentialsFile.read(file);
        if (saved.isEmpty()) {
            throw new MissingApiKeyException(
                    "not logged in to " + endpoint + ": run `infermesh login --key KEYFILE` or set " + API_KEY_ENV);
        }
        if (!saved.get().gateway().equals(endpoint)) {
            throw new MissingApiKeyException(
                    "the API key saved in " + file + " is for " + saved.get().gateway()
                            + ", not " + endpoint + ": run `infermesh login --gateway " + endpoint
                            + " --key KEYFILE` or set " + API_KEY_ENV);
        }
        if (!CredentialsFile.isOwnerOnly(file)) {
            err().println("warning: " + file + " is readable by other users; run chmod 600 " + file);
        }
        return saved.get().apiKey();
    }
}
