package dev.localbedrock.runtime.robustness;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.BedrockService;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A request that costs time in proportion to its size (a 3 MB prompt: a JSON parse and a tokenizer pass over all of
 * it) is decoded off the event loop, so a small request multiplexed on the same HTTP/2 connection — the same event
 * loop — is answered while the big one is still being read; the big one still gets its AWS-shaped answer.
 */
@Tag("robustness")
class LargeBodyIsolationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aHugePromptDoesNotStallTheOtherStreamsOfItsConnection() throws Exception {
        try (BedrockService service = RobustnessServers.start(dir, "pytorch", "max_context_tokens: 64", false)) {
            String base = "http://127.0.0.1:" + service.address().getPort();
            HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
            // The first request upgrades the connection to h2c; the client then multiplexes on it.
            HttpResponse<String> warm = h2.send(HttpRequest.newBuilder(URI.create(base + "/ping")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(HttpClient.Version.HTTP_2, warm.version());

            String prompt = "hello world, ".repeat(3_000_000 / 13);
            byte[] body = JSON.writeValueAsBytes(java.util.Map.of("prompt", prompt, "max_gen_len", 8));
            CompletableFuture<HttpResponse<String>> big = h2.sendAsync(HttpRequest.newBuilder(
                            URI.create(base + RobustnessServers.INVOKE)).timeout(Duration.ofMinutes(2))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            // Once the server is tokenizing the big prompt, ask a small question on the same connection.
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (!tokenizing() && !big.isDone() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(tokenizing(), "the huge prompt is being tokenized");
            HttpResponse<String> small = h2.send(HttpRequest.newBuilder(URI.create(base + RobustnessServers.INVOKE))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"hi\",\"max_gen_len\":2}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, small.statusCode(), small.body());
            assertEquals(HttpClient.Version.HTTP_2, small.version());
            boolean bigStillBeingRead = !big.isDone();
            HttpResponse<String> answer = big.get(2, TimeUnit.MINUTES);
            assertEquals(400, answer.statusCode(), answer.body());
            assertEquals("ValidationException", answer.headers().firstValue("x-amzn-ErrorType").orElse(""));
            assertTrue(answer.body().contains("64"), "names the context limit: " + answer.body());
            assertTrue(bigStillBeingRead, "the small request was answered only after the huge prompt was decoded");
            assertFalse(answer.body().isEmpty());
        }
    }

    /** Whether some thread of this JVM (the server's) is inside the tokenizer right now. */
    private static boolean tokenizing() {
        return Thread.getAllStackTraces().values().stream().anyMatch(stack -> java.util.Arrays.stream(stack)
                .anyMatch(f -> f.getClassName().startsWith("ai.djl.huggingface.tokenizers.")));
    }
}
