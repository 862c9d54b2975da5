package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import dev.localbedrock.runtime.catalog.ModelEntry;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A models.yaml entry without {@code max_context_tokens} serves a model whose own limit is below the 2048 default
 * (GPT-2: 512 learned positions) on either engine, with the KV budget sized from that context; only an explicit
 * context above the model's limit is refused, under the key that set it.
 */
class ContextDefaultsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path workDir;

    private BedrockService start(String engine, String extra) throws Exception {
        String yaml = """
                server: {host: 127.0.0.1, port: 0}
                cache_dir: cache
                models:
                  - id: meta.llama2-13b-chat-v1
                    source: %s
                    engine: %s
                    max_running_sequences: 4
                %s""".formatted(TestServers.tinyGpt2(), engine, extra.indent(4));
        Path file = workDir.resolve("models.yaml");
        Files.writeString(file, yaml);
        return BedrockService.start(CatalogLoader.load(file));
    }

    @ParameterizedTest
    @ValueSource(strings = {"pytorch", "onnxruntime"})
    void theContextFollowsTheModelWhenNotConfigured(String engine) throws Exception {
        try (BedrockService service = start(engine, "")) {
            ModelEntry entry = service.registry().served().get(0).entry();
            assertEquals(512, entry.maxContextTokens(), "GPT-2's n_positions, below the 2048 default");
            assertEquals(4L * 512, entry.batching().kvCacheTokens(), "max_running_sequences x the context");
            // "a b" encodes to ids below the tiny model's 1000-token vocabulary
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                            "http://127.0.0.1:" + service.address().getPort() + "/model/meta.llama2-13b-chat-v1/invoke"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"prompt\":\"a b\",\"temperature\":0,\"max_gen_len\":600}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            JsonNode body = JSON.readTree(r.body());
            int total = body.get("prompt_token_count").asInt() + body.get("generation_token_count").asInt();
            assertTrue(total <= 512, "prompt + generation stay within the model's context: " + body);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"pytorch", "onnxruntime"})
    void anExplicitContextAboveTheModelsLimitIsRefusedByName(String engine) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> start(engine, "max_context_tokens: 1024").close());
        assertTrue(e.getMessage().contains("max_context_tokens 1024") && e.getMessage().contains("512")
                && e.getMessage().contains("meta.llama2-13b-chat-v1"), e.getMessage());
    }
}
