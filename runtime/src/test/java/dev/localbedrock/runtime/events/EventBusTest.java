package dev.localbedrock.runtime.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.catalog.EventSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The event bus on its own: the envelope, the file, and a webhook that is unreachable, then failing, then up. */
class EventBusTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "test-secret-123";

    @TempDir
    Path dir;

    private static EventSettings settings(Path file, String url, int maxAttempts) {
        return new EventSettings(file, List.of(new EventSettings.Webhook(URI.create(url), SECRET)), 100,
                Duration.ofMillis(20), Duration.ofMillis(200), maxAttempts, Duration.ofSeconds(5),
                Duration.ofSeconds(20));
    }

    /** Recomputed here, not through EventSignature, so a wrong signature scheme fails the test. */
    static String expectedSignature(String timestamp, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    }

    @Test
    void everyEventReachesAWebhookThatIsDownAtFirstAndEveryPostIsSigned() throws Exception {
        int port;
        try (ServerSocket reserve = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = reserve.getLocalPort(); // nothing listens on it once this closes: connections are refused
        }
        Path file = dir.resolve("ev/events.jsonl");
        EventBus bus = EventBus.open(settings(file, "http://127.0.0.1:" + port + "/hook", 1000), "us-east-1",
                "000000000000", Clock.systemUTC());
        for (int i = 0; i < 5; i++) {
            bus.publish("Test State Change", List.of("arn:aws:bedrock:us-east-1:000000000000:thing/" + i),
                    JSON.createObjectNode().put("n", i));
        }
        Thread.sleep(300); // a few refused attempts of the first event
        try (WebhookReceiver receiver = new WebhookReceiver(port, 2)) { // then up, but failing twice more
            assertTrue(bus.awaitDelivered(Duration.ofSeconds(60)), "delivered once the receiver answers");
            bus.close();

            List<WebhookReceiver.Post> posts = receiver.posts();
            Set<Integer> delivered = posts.stream().filter(p -> p.answered() == 204)
                    .map(p -> body(p).get("detail").get("n").asInt()).collect(Collectors.toSet());
            assertEquals(Set.of(0, 1, 2, 3, 4), delivered, "every event at least once");
            assertEquals(0, bus.givenUp());
            WebhookReceiver.Post firstAccepted = posts.stream().filter(p -> p.answered() == 204).findFirst()
                    .orElseThrow();
            assertTrue(Integer.parseInt(firstAccepted.header(EventSignature.ATTEMPT_HEADER)) > 3,
                    "the first event was retried through refusals and two 503s");
            assertEquals(posts.get(0).header(EventSignature.EVENT_ID_HEADER),
                    firstAccepted.header(EventSignature.EVENT_ID_HEADER), "retries keep the de-duplication id");
            for (WebhookReceiver.Post p : posts) {
                assertEquals(expectedSignature(p.header(EventSignature.TIMESTAMP_HEADER), p.body()),
                        p.header(EventSignature.SIGNATURE_HEADER));
                assertEquals(body(p).get("id").asText(), p.header(EventSignature.EVENT_ID_HEADER));
                assertEquals("application/json", p.header("Content-Type"));
            }

            JsonNode e = body(firstAccepted);
            assertEquals(List.of("version", "id", "detail-type", "source", "account", "time", "region",
                    "resources", "detail"), iterate(e));
            assertEquals("0", e.get("version").asText());
            assertEquals("aws.bedrock", e.get("source").asText());
            assertEquals("Test State Change", e.get("detail-type").asText());
            assertEquals("000000000000", e.get("account").asText());
            assertEquals("us-east-1", e.get("region").asText());
            assertTrue(e.get("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), e.toString());

            List<String> lines = Files.readAllLines(file);
            assertEquals(5, lines.size(), "the file gets every event once");
            assertEquals(List.of(0, 1, 2, 3, 4), lines.stream().map(l -> read(l).get("detail").get("n").asInt())
                    .toList());
        }
    }

    @Test
    void aWebhookThatNeverAnswersIsGivenUpAfterItsAttemptsAndTheFileStillHasTheEvent() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(0, Integer.MAX_VALUE)) {
            Path file = dir.resolve("events.jsonl");
            EventBus bus = EventBus.open(settings(file, receiver.url(), 3), "us-east-1", "000000000000",
                    Clock.systemUTC());
            bus.publish("Test State Change", List.of(), JSON.createObjectNode());
            assertTrue(bus.awaitDelivered(Duration.ofSeconds(30)));
            bus.close();
            assertEquals(3, receiver.posts().size(), "max_attempts POSTs");
            assertEquals(1, bus.givenUp());
            assertEquals(1, Files.readAllLines(file).size());
        }
    }

    private static JsonNode body(WebhookReceiver.Post p) {
        return read(new String(p.body(), StandardCharsets.UTF_8));
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(json, e);
        }
    }

    private static List<String> iterate(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
