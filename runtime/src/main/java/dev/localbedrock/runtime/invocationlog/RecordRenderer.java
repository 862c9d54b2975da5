package dev.localbedrock.runtime.invocationlog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.runtime.state.InvocationLoggingConfig.S3Location;
import dev.localbedrock.runtime.storage.ObjectStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Turns a {@link PendingRecord} into the ModelInvocationLog JSON record (schemaVersion 1.0). A body of more than
 * 100 KB (its JSON, as written) is not inlined: it is written as an object of its own under the destination's
 * {@code data/} prefix and the record names it ({@code inputBodyS3Path} / {@code outputBodyS3Path}); with no S3
 * location for large data (a CloudWatch Logs destination without {@code largeDataDeliveryS3Config}) it is left out.
 */
final class RecordRenderer {
    /** The guide's limit for bodies carried in the record itself. */
    static final int INLINE_LIMIT = 100 * 1024;
    static final String CONTENT_TYPE = "application/json";
    private static final DateTimeFormatter HOUR_PATH = DateTimeFormatter.ofPattern("yyyy/MM/dd/HH")
            .withZone(ZoneOffset.UTC);

    private final String accountId;
    private final String region;
    private final DeliveryCounters counters;

    RecordRenderer(String accountId, String region, DeliveryCounters counters) {
        this.accountId = accountId;
        this.region = region;
        this.counters = counters;
    }

    /**
     * The record, its large bodies written to {@code largeData} in {@code store} first (so a record never names an
     * object that is not there).
     *
     * @throws dev.localbedrock.runtime.storage.StorageException when a large body cannot be written
     */
    ObjectNode render(PendingRecord r, ObjectStore store, S3Location largeData) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("schemaType", "ModelInvocationLog");
        n.put("schemaVersion", "1.0");
        n.put("timestamp", r.timestamp().toString());
        n.put("accountId", accountId);
        n.put("region", region);
        n.put("requestId", r.requestId());
        n.put("operation", r.operation());
        n.put("modelId", r.modelId());
        if (r.errorCode() != null) {
            n.put("errorCode", r.errorCode());
        }
        ObjectNode input = n.putObject("input");
        input.put("inputContentType", CONTENT_TYPE);
        if (r.withBodies() && r.requestBody() != null) {
            body(input, "input", parse(r.requestBody()), r, store, largeData);
        }
        if (r.inputTokens() >= 0) {
            input.put("inputTokenCount", r.inputTokens());
        }
        ObjectNode output = n.putObject("output");
        output.put("outputContentType", CONTENT_TYPE);
        if (r.withBodies()) {
            JsonNode out = null;
            if (r.streamed() && !r.responseChunks().isEmpty()) {
                ArrayNode chunks = Json.MAPPER.createArrayNode();
                r.responseChunks().forEach(c -> chunks.add(parse(c)));
                out = chunks;
            } else if (r.responseBody() != null) {
                out = parse(r.responseBody());
            }
            if (out != null) {
                body(output, "output", out, r, store, largeData);
            }
        }
        if (r.outputTokens() >= 0) {
            output.put("outputTokenCount", r.outputTokens());
        }
        return n;
    }

    /** The {@code AWSLogs/...} prefix every object of an hour goes under: {@code prefix/AWSLogs/acct/...//yyyy/mm/dd/hh}. */
    String hourPrefix(String keyPrefix, java.time.Instant at) {
        String base = keyPrefix == null || keyPrefix.isEmpty() ? "" : trimSlashes(keyPrefix) + "/";
        return base + "AWSLogs/" + accountId + "/BedrockModelInvocationLogs/" + region + "/" + HOUR_PATH.format(at);
    }

    private void body(ObjectNode side, String which, JsonNode body, PendingRecord r, ObjectStore store,
                      S3Location largeData) {
        byte[] json = body.toString().getBytes(StandardCharsets.UTF_8);
        if (json.length <= INLINE_LIMIT) {
            side.set(which + "BodyJson", body);
            return;
        }
        if (largeData == null || store == null) {
            return; // the guide: without a large-data location, bodies over 100 KB are not delivered
        }
        String key = hourPrefix(largeData.keyPrefix(), r.timestamp()) + "/data/" + r.requestId() + "_" + which
                + ".json";
        try {
            store.put(largeData.bucketName(), key, json);
        } catch (RuntimeException e) {
            counters.largeDataFailure.incrementAndGet();
            throw e;
        }
        counters.largeDataSuccess.incrementAndGet();
        side.put(which + "BodyS3Path", ObjectStore.uri(largeData.bucketName(), key));
    }

    private static JsonNode parse(byte[] body) {
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            return n == null ? TextNode.valueOf("") : n;
        } catch (IOException | RuntimeException e) {
            return TextNode.valueOf(new String(body, StandardCharsets.UTF_8)); // kept, as text, rather than lost
        }
    }

    static String trimSlashes(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && s.charAt(from) == '/') {
            from++;
        }
        while (to > from && s.charAt(to - 1) == '/') {
            to--;
        }
        return s.substring(from, to);
    }
}
