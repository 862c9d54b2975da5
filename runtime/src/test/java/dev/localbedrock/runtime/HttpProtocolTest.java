package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.codecs.eventstream.EventStreamDecoder;
import dev.localbedrock.codecs.eventstream.EventStreamMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Wire-level behaviour below the SDKs: routing errors, content types, body limits, h2c upgrade, raw frames. */
class HttpProtocolTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BODY = "{\"prompt\":\"Hello world\",\"temperature\":0,\"max_gen_len\":6}";

    @TempDir
    static Path workDir;
    static BedrockService service;
    static String base;
    static HttpClient http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        service = TestServers.startTinyLlama(workDir, "max_body_bytes: 4096", "");
        base = "http://127.0.0.1:" + service.address().getPort();
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    private static HttpResponse<byte[]> post(HttpClient client, String path, String contentType, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static void assertAwsError(HttpResponse<byte[]> r, int status, String type, String fragment)
            throws Exception {
        assertEquals(status, r.statusCode());
        assertEquals(type, r.headers().firstValue("x-amzn-ErrorType").orElse(null));
        assertTrue(r.headers().firstValue("x-amzn-RequestId").isPresent());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null));
        JsonNode body = JSON.readTree(r.body());
        assertTrue(body.get("message").asText().contains(fragment), body.toString());
    }

    @Test
    void unknownRoutesAreUnknownOperations() throws Exception {
        assertAwsError(post(http1, "/model/meta.llama2-13b-chat-v1/chat", "application/json", BODY), 404,
                "UnknownOperationException", "Supported");
        HttpResponse<byte[]> get = http1.send(HttpRequest.newBuilder(
                URI.create(base + "/model/meta.llama2-13b-chat-v1/invoke")).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertAwsError(get, 404, "UnknownOperationException", "POST");
    }

    @Test
    void jsonMissingAndOctetStreamContentTypesAreAcceptedOthersAreNot() throws Exception {
        String path = "/model/meta.llama2-13b-chat-v1/invoke";
        assertEquals(200, post(http1, path, "application/json", BODY).statusCode());
        assertEquals(200, post(http1, path, "application/octet-stream", BODY).statusCode());
        assertEquals(200, post(http1, path, null, BODY).statusCode());
        assertAwsError(post(http1, path, "text/plain", BODY), 400, "ValidationException", "text/plain");
    }

    @Test
    void unsupportedAcceptIsAValidationError() throws Exception {
        HttpResponse<byte[]> r = http1.send(HttpRequest.newBuilder(
                URI.create(base + "/model/meta.llama2-13b-chat-v1/invoke"))
                .header("Accept", "image/png").POST(HttpRequest.BodyPublishers.ofString(BODY)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertAwsError(r, 400, "ValidationException", "image/png");
    }

    @Test
    void oversizedBodiesAreRejectedWithAnAwsError() throws Exception {
        String big = "{\"prompt\":\"" + "a".repeat(5000) + "\"}";
        assertAwsError(post(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(),
                "/model/meta.llama2-13b-chat-v1/invoke", "application/json", big), 400, "ValidationException",
                "4096");
        // The server is still healthy afterwards.
        assertEquals(200, post(http1, "/model/meta.llama2-13b-chat-v1/invoke", "application/json", BODY)
                .statusCode());
    }

    @Test
    void http2UpgradeServesTheSameApi() throws Exception {
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        // The JDK client upgrades with an h2c Upgrade header on the first request, then speaks HTTP/2.
        h2.send(HttpRequest.newBuilder(URI.create(base + "/ping")).GET().build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<byte[]> r = post(h2, "/model/meta.llama2-13b-chat-v1/invoke", "application/json", BODY);
        assertEquals(200, r.statusCode());
        assertEquals(HttpClient.Version.HTTP_2, r.version());
        assertTrue(JSON.readTree(r.body()).has("generation"));
    }

    @Test
    void streamFramesCarryTheBedrockHeadersAndValidCrcs() throws Exception {
        HttpResponse<byte[]> r = post(http1, "/model/meta.llama2-13b-chat-v1/invoke-with-response-stream",
                "application/json", BODY);
        assertEquals(200, r.statusCode());
        assertEquals("application/vnd.amazon.eventstream", r.headers().firstValue("content-type").orElse(null));
        assertEquals("application/json", r.headers().firstValue("x-amzn-bedrock-content-type").orElse(null));
        EventStreamDecoder decoder = new EventStreamDecoder();
        List<EventStreamMessage> messages = decoder.feed(r.body(), 0, r.body().length);
        assertFalse(messages.isEmpty());
        for (EventStreamMessage m : messages) {
            assertEquals("chunk", m.headers().get(":event-type"));
            assertEquals("event", m.headers().get(":message-type"));
            assertEquals("application/json", m.headers().get(":content-type"));
        }
    }

    @Test
    void healthCheck() throws Exception {
        HttpResponse<String> r = http1.send(HttpRequest.newBuilder(URI.create(base + "/ping")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
    }
}
