package dev.localbedrock.runtime.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code bedrock-runtime access list|grant|revoke [MODEL_ID] --endpoint URL}: changes model access on a running
 * server through its admin endpoints, so the change is durable and takes effect at once. Prints the server's JSON
 * answer; a refusal (an unknown model, a revocation while provisioned throughput uses the model) exits 1 with the
 * server's message. Signed with the caller's AWS credentials when there are any (a server in {@code auth: sigv4}
 * mode checks them against {@code bedrock:GetFoundationModelAvailability} / {@code PutFoundationModelEntitlement}).
 */
@Command(name = "access", mixinStandardHelpOptions = true,
        description = "List, grant or revoke model access on a running server.")
final class AccessCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "list, grant or revoke")
    String action;

    @Parameters(index = "1", arity = "0..1", description = "The model id (grant, revoke).")
    String modelId;

    @Option(names = "--endpoint", defaultValue = "http://127.0.0.1:8080",
            description = "The server (default: ${DEFAULT-VALUE}).")
    URI endpoint;

    @Override
    public Integer call() throws Exception {
        HttpRequest.Builder request;
        switch (action) {
            case "list" -> request = AdminRequestSigner.request("GET", endpoint.resolve("/local-bedrock/model-access"),
                    null);
            case "grant", "revoke" -> {
                if (modelId == null) {
                    spec.commandLine().getErr().println("error: " + action + " needs a model id");
                    return 2;
                }
                String body = "{\"granted\": " + action.equals("grant") + "}";
                request = AdminRequestSigner.request("PUT", endpoint.resolve("/local-bedrock/model-access/"
                        + URLEncoder.encode(modelId, StandardCharsets.UTF_8).replace("+", "%20")), body);
            }
            default -> {
                spec.commandLine().getErr().println("error: the action is list, grant or revoke, not '" + action
                        + "'");
                return 2;
            }
        }
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> response = client.send(request.timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            spec.commandLine().getErr().println("error: " + response.statusCode() + " "
                    + response.headers().firstValue("x-amzn-ErrorType").orElse("") + ": " + response.body());
            return 1;
        }
        spec.commandLine().getOut().println(response.body());
        return 0;
    }
}
