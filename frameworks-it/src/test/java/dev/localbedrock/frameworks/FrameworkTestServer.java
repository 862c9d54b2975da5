package dev.localbedrock.frameworks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.TestServers;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

import java.net.URI;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real service on an ephemeral port serving tiny-random-llama as {@value TestServers#LLAMA_ID}, and the AWS SDK
 * clients a framework is handed: only an endpoint override, static credentials and a region, as a user would
 * configure them (the async client keeps its default, HTTP/2 with prior knowledge).
 */
final class FrameworkTestServer {
    static final String MODEL_ID = TestServers.LLAMA_ID;
    private static final ObjectMapper JSON = new ObjectMapper();

    private FrameworkTestServer() {
    }

    static BedrockService start(Path workDir) throws Exception {
        return BedrockService.start(CatalogLoader.load(
                TestServers.writeTinyLlamaCatalogue(workDir, "pytorch", "", "max_context_tokens: 512", "")));
    }

    static BedrockRuntimeClient sync(BedrockService service) {
        return BedrockRuntimeClient.builder().endpointOverride(endpoint(service)).region(Region.US_EAST_1)
                .credentialsProvider(credentials()).build();
    }

    static BedrockRuntimeAsyncClient async(BedrockService service) {
        return BedrockRuntimeAsyncClient.builder().endpointOverride(endpoint(service)).region(Region.US_EAST_1)
                .credentialsProvider(credentials()).build();
    }

    /** Fails unless {@code json} satisfies {@code schema} (JSON Schema 2020-12), checked independently of the server. */
    static void assertValid(String schema, String json) throws Exception {
        JsonNode value = JSON.readTree(json);
        Set<ValidationMessage> errors = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(schema).validate(value);
        assertTrue(errors.isEmpty(), json + " against its schema: " + errors);
    }

    /** Two characters of {@code text} whose first occurrence leaves non-blank text before it. */
    static String stopSequenceInside(String text) {
        for (int at = 1; at + 2 <= text.length(); at++) {
            String stop = text.substring(at, at + 2);
            if (!stop.isBlank() && !Character.isSurrogate(stop.charAt(0)) && !Character.isSurrogate(stop.charAt(1))
                    && stop.indexOf('\uFFFD') < 0 && !text.substring(0, text.indexOf(stop)).isBlank()) {
                return stop;
            }
        }
        throw new AssertionError("no stop sequence inside " + text);
    }

    private static URI endpoint(BedrockService service) {
        return URI.create("http://127.0.0.1:" + service.address().getPort());
    }

    private static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "not-a-secret"));
    }
}
