package dev.localbedrock.runtime.robustness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.BedrockService;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A prompt of megabytes for a context of tokens is refused by its size, before a tokenizer pass that would cost
 * seconds (RequestIntake's size check, from the tokenizer's bytes-per-token bound), with the AWS error naming the
 * size and the context; the connection it came on goes on serving. (That the bound holds for the shared tokenizers
 * is TokenSpanTest's business.)
 */
@Tag("robustness")
class HugePromptTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"pytorch", "onnxruntime"})
    void aMegabytePromptIsRefusedByItsSizeAndTheConnectionGoesOn(String engine) throws Exception {
        try (BedrockService service = RobustnessServers.start(dir, engine, "max_context_tokens: 64", false)) {
            String url = "http://127.0.0.1:" + service.address().getPort() + RobustnessServers.INVOKE;
            HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
            for (int round = 0; round < 2; round++) {
                String prompt = "hello world, ".repeat(10_000_000 / 13);
                HttpResponse<String> big = h2.send(post(url, JSON.writeValueAsString(
                        Map.of("prompt", prompt, "max_gen_len", 8))), HttpResponse.BodyHandlers.ofString());
                assertEquals(400, big.statusCode(), big.body());
                assertEquals("ValidationException", big.headers().firstValue("x-amzn-ErrorType").orElse(""));
                String message = JSON.readTree(big.body()).path("message").asText();
                assertTrue(message.startsWith("Input is too long for requested model")
                        && message.contains("9999990 bytes") && message.contains("64 tokens"), message);

                HttpResponse<String> small = h2.send(post(url, "{\"prompt\":\"hi\",\"max_gen_len\":2}"),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, small.statusCode(), small.body());
                JsonNode body = JSON.readTree(small.body());
                assertTrue(body.path("generation").isTextual(), small.body());
            }
        }
    }

    private static HttpRequest post(String url, String body) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(1))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }
}
