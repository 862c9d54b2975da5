package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast CPU path end to end: models.yaml names an HF directory with engine onnxruntime, the server builds the
 * ONNX graph on first load into cache_dir, and serves the same greedy text as the PyTorch engine on the same weights.
 */
class OnnxServingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BODY = "{\"prompt\":\"Hello world\",\"temperature\":0,\"max_gen_len\":16}";

    @TempDir
    static Path workDir;
    static BedrockService service;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        String yaml = """
                server: {host: 127.0.0.1, port: 0}
                cache_dir: cache
                models:
                  - id: meta.llama2-13b-chat-v1
                    source: %1$s
                    engine: pytorch
                    max_context_tokens: 128
                  - id: meta.llama2-70b-chat-v1
                    source: %1$s
                    engine: onnxruntime
                    quantize: none
                    max_context_tokens: 128
                  - id: meta.llama2-7b-chat-v1
                    source: %1$s
                    engine: onnxruntime
                    quantize: int8
                    max_context_tokens: 128
                """.formatted(TestServers.tinyLlama());
        Path file = workDir.resolve("models.yaml");
        Files.writeString(file, yaml);
        service = BedrockService.start(CatalogLoader.load(file));
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    private static JsonNode invoke(String modelId) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + service.address().getPort() + "/model/" + modelId + "/invoke"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(BODY)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    @Test
    void theBuiltGraphServesTheSameGreedyTextAsPyTorch() throws Exception {
        JsonNode pytorch = invoke("meta.llama2-13b-chat-v1");
        JsonNode onnx = invoke("meta.llama2-70b-chat-v1");
        assertEquals(pytorch.get("generation"), onnx.get("generation"));
        assertEquals(pytorch.get("generation_token_count"), onnx.get("generation_token_count"));
        try (var files = Files.walk(workDir.resolve("cache"))) {
            assertTrue(files.anyMatch(p -> p.getFileName().toString().equals("model.onnx")),
                    "the graph is cached under cache_dir");
        }
    }

    @Test
    void int8ServesThroughTheSameApi() throws Exception {
        JsonNode int8 = invoke("meta.llama2-7b-chat-v1");
        assertEquals(3, int8.get("prompt_token_count").asInt());
        assertTrue(int8.get("generation_token_count").asInt() >= 1);
    }
}
