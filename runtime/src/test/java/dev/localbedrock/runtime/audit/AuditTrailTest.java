package dev.localbedrock.runtime.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.catalog.AuditSettings;
import dev.localbedrock.runtime.observe.CompletedCall;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The audit trail driven with CompletedCalls: one record per call, their fields, rotation, and flushing on close. */
class AuditTrailTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2024-05-01T23:59:58.250Z");

    @TempDir
    Path dir;

    private static CompletedCall call(String id, String service, String op, Map<String, String> path,
                                      Map<String, List<String>> query, int status, String error) {
        return new CompletedCall(id, T0, service, op, "POST", "/p/" + id, path, query,
                "bedrock-runtime".equals(service) ? "meta.llama2-13b-chat-v1" : null, "192.0.2.7", "aws-sdk-java/2",
                status, error, error == null ? null : error + " message", 12_000_000L, 5, 7, false,
                "{\"prompt\":\"secret words\"}".getBytes(), "{\"generation\":\"secret answer\"}".getBytes(), null);
    }

    private AuditTrail open(long maxBytes, Clock clock) {
        return AuditTrail.open(new AuditSettings(true, dir, maxBytes, 0, 10_000), "us-east-1", "000000000000", clock);
    }

    private List<JsonNode> records(AuditTrail trail) throws IOException {
        List<JsonNode> all = new ArrayList<>();
        for (Path f : trail.files()) {
            for (String line : Files.readAllLines(f)) {
                all.add(JSON.readTree(line));
            }
        }
        return all;
    }

    @Test
    void oneRecordPerCallOfAMixedRunWithItsErrorCode() throws Exception {
        List<CompletedCall> calls = List.of(
                call("r1", "bedrock-runtime", "InvokeModel", Map.of("modelId", "meta.llama2-13b-chat-v1"), null, 200,
                        null),
                call("r2", "bedrock-runtime", "InvokeModel", Map.of("modelId", "nope"), null, 404,
                        "ResourceNotFoundException"),
                call("r3", "bedrock-runtime", "ConverseStream", Map.of("modelId", "m"), null, 200,
                        "ModelStreamErrorException"),
                call("r4", "bedrock-runtime", "Converse", Map.of("modelId", "m"), null, 429, "ThrottlingException"),
                call("r5", "bedrock", "ListProvisionedModelThroughputs", Map.of(),
                        Map.of("maxResults", List.of("1"), "statusEquals", List.of("InService")), 200, null),
                call("r6", "bedrock", "CreateProvisionedModelThroughput", Map.of(), null, 400,
                        "ValidationException"),
                call("r7", null, null, Map.of(), null, 404, "UnknownOperationException"));
        AuditTrail trail = open(1 << 20, Clock.systemUTC());
        calls.forEach(trail::completed);
        trail.close(); // flushes: no wait before it

        List<JsonNode> records = records(trail);
        assertEquals(calls.size(), records.size(), "exactly one record per call");
        assertEquals(List.of("r1", "r2", "r3", "r4", "r5", "r6", "r7"),
                records.stream().map(r -> r.get("requestID").asText()).toList());
        List<String> errors = records.stream().map(r -> r.path("errorCode").asText(null)).toList();
        assertEquals(java.util.Arrays.asList(null, "ResourceNotFoundException", "ModelStreamErrorException",
                "ThrottlingException", null, "ValidationException", "UnknownOperationException"), errors);
        Set<String> eventIds = new HashSet<>();
        records.forEach(r -> eventIds.add(r.get("eventID").asText()));
        assertEquals(calls.size(), eventIds.size(), "each record has its own eventID");

        JsonNode invoke = records.get(0);
        assertEquals("1.08", invoke.get("eventVersion").asText());
        assertEquals("2024-05-01T23:59:58Z", invoke.get("eventTime").asText());
        assertEquals("bedrock.amazonaws.com", invoke.get("eventSource").asText());
        assertEquals("InvokeModel", invoke.get("eventName").asText());
        assertEquals("us-east-1", invoke.get("awsRegion").asText());
        assertEquals("192.0.2.7", invoke.get("sourceIPAddress").asText());
        assertEquals("aws-sdk-java/2", invoke.get("userAgent").asText());
        assertEquals(Map.of("modelId", "meta.llama2-13b-chat-v1"),
                JSON.convertValue(invoke.get("requestParameters"), Map.class));
        assertTrue(invoke.get("responseElements").isNull());
        assertFalse(invoke.get("readOnly").asBoolean());
        assertEquals("AwsApiCall", invoke.get("eventType").asText());
        assertTrue(invoke.get("managementEvent").asBoolean());
        assertEquals("000000000000", invoke.get("recipientAccountId").asText());
        assertEquals("Unknown", invoke.get("userIdentity").get("type").asText());
        assertFalse(invoke.has("errorCode"));
        String all = records.toString();
        assertFalse(all.contains("secret"), "no body reaches the audit trail: " + all);

        assertEquals("bedrock.amazonaws.com", records.get(4).get("eventSource").asText(),
                "the control plane's source too");
        assertTrue(records.get(4).get("readOnly").asBoolean());
        assertEquals(Map.of("maxResults", "1", "statusEquals", "InService"),
                JSON.convertValue(records.get(4).get("requestParameters"), Map.class));
        assertEquals("ValidationException message", records.get(5).get("errorMessage").asText());
        assertTrue(records.get(6).get("eventName").isNull());
        assertEquals("/p/r7", records.get(6).get("additionalEventData").get("path").asText());
        assertEquals(0, trail.lost());
    }

    @Test
    void rollsOverBySizeAndByUtcDayAndContinuesAfterARestart() throws Exception {
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2024-05-01T12:00:00Z"));
        Clock clock = new Clock() {
            public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
            public Clock withZone(java.time.ZoneId zone) { return this; }
            public Instant instant() { return now.get(); }
        };
        AuditTrail trail = open(2048, clock); // a record is about 700 bytes: two or three per file
        for (int i = 0; i < 10; i++) {
            trail.completed(call("a" + i, "bedrock", "GetFoundationModel", Map.of("modelIdentifier", "x"), null,
                    200, null));
        }
        assertTrue(trail.awaitWritten(Duration.ofSeconds(30)));
        now.set(Instant.parse("2024-05-02T00:00:01Z"));
        trail.completed(call("b0", "bedrock", "GetFoundationModel", Map.of(), null, 200, null));
        trail.close();

        List<Path> files = trail.files();
        List<String> names = files.stream().map(p -> p.getFileName().toString()).toList();
        assertTrue(files.size() >= 4, "10 records of ~700 bytes in 2 KiB files, then a new day: " + names);
        for (Path f : files) {
            assertTrue(Files.size(f) <= 2048, f + " is " + Files.size(f) + " bytes");
        }
        assertEquals("audit-2024-05-01-00000.jsonl", names.get(0));
        assertEquals("audit-2024-05-02-00000.jsonl", names.get(names.size() - 1));
        assertEquals(1, Files.readAllLines(files.get(files.size() - 1)).size(), "the new day's file has b0 only");
        assertEquals(11, records(trail).size(), "nothing lost across rollovers");

        AuditTrail again = open(2048, clock);
        again.completed(call("c0", "bedrock", "GetFoundationModel", Map.of(), null, 200, null));
        again.close();
        assertEquals(names.size(), again.files().size(), "a restart appends to the day's last file while it fits");
        assertEquals(12, records(again).size());
    }

    @Test
    void keepsAtMostMaxFiles() throws Exception {
        AuditTrail trail = AuditTrail.open(new AuditSettings(true, dir, 1024, 2, 1000), "us-east-1",
                "000000000000", Clock.systemUTC());
        for (int i = 0; i < 20; i++) {
            trail.completed(call("k" + i, "bedrock", "ListFoundationModels", Map.of(), null, 200, null));
        }
        trail.close();
        assertEquals(2, trail.files().size());
        List<JsonNode> kept = records(trail);
        assertEquals("k19", kept.get(kept.size() - 1).get("requestID").asText(), "the newest are kept");
    }

    @Test
    void closingWritesEveryQueuedCallAndLaterCallsAreCountedAsLost() throws Exception {
        AuditTrail trail = open(64L << 20, Clock.systemUTC());
        for (int i = 0; i < 5000; i++) {
            trail.completed(call("s" + i, "bedrock-runtime", "InvokeModel", Map.of("modelId", "m"), null, 200, null));
        }
        trail.close();
        assertEquals(5000, records(trail).size());
        assertEquals(5000, trail.written());
        trail.completed(call("late", "bedrock-runtime", "InvokeModel", Map.of(), null, 200, null));
        assertEquals(1, trail.lost());
        assertNull(records(trail).stream().filter(r -> r.get("requestID").asText().equals("late")).findAny()
                .orElse(null));
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfBlocking() throws Exception {
        // A one-place queue and a burst from this thread: offers never wait, and written + lost covers every call.
        AuditTrail trail = AuditTrail.open(new AuditSettings(true, dir, 64L << 20, 0, 1), "us-east-1",
                "000000000000", Clock.systemUTC());
        for (int i = 0; i < 2000; i++) {
            trail.completed(call("f" + i, "bedrock", "ListFoundationModels", Map.of(), null, 200, null));
        }
        trail.close();
        assertEquals(2000, trail.written() + trail.lost());
        assertEquals(trail.written(), records(trail).size());
    }
}
