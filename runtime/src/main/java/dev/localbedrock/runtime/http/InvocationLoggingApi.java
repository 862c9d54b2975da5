package dev.localbedrock.runtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.runtime.invocationlog.InvocationLoggingService;
import dev.localbedrock.runtime.state.InvocationLoggingConfig;
import dev.localbedrock.runtime.state.InvocationLoggingConfig.CloudWatchDestination;
import dev.localbedrock.runtime.state.InvocationLoggingConfig.S3Location;

import java.util.Iterator;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Put/Get/DeleteModelInvocationLoggingConfiguration on the wire ({@code /logging/modelinvocations}): the
 * {@code loggingConfig} shape validated as the service model constrains it, in Bedrock's "1 validation error
 * detected" sentences.
 */
final class InvocationLoggingApi {
    private static final Pattern LOG_GROUP = Pattern.compile("[a-zA-Z0-9_\\-/.#]{1,512}");
    private static final Pattern ROLE_ARN = Pattern.compile("arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+");
    private static final Set<String> CONFIG_KEYS = Set.of("cloudWatchConfig", "s3Config", "textDataDeliveryEnabled",
            "imageDataDeliveryEnabled", "embeddingDataDeliveryEnabled", "videoDataDeliveryEnabled",
            "audioDataDeliveryEnabled");

    private InvocationLoggingApi() {
    }

    static ObjectNode put(InvocationLoggingService service, byte[] body) {
        JsonNode in = TagBodies.object(body, Set.of("loggingConfig"));
        JsonNode config = in.get("loggingConfig");
        if (config == null || config.isNull()) {
            throw missing("loggingConfig");
        }
        service(service).put(parse(config));
        return Json.MAPPER.createObjectNode();
    }

    static ObjectNode get(InvocationLoggingService service) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        service(service).get().ifPresent(c -> body.set("loggingConfig", describe(c)));
        return body;
    }

    static ObjectNode delete(InvocationLoggingService service) {
        service(service).delete();
        return Json.MAPPER.createObjectNode();
    }

    static InvocationLoggingConfig parse(JsonNode config) {
        object(config, "loggingConfig", CONFIG_KEYS);
        S3Location s3 = location(config.get("s3Config"), "loggingConfig.s3Config");
        CloudWatchDestination cw = cloudWatch(config.get("cloudWatchConfig"));
        boolean text = flag(config, "textDataDeliveryEnabled");
        boolean image = flag(config, "imageDataDeliveryEnabled");
        boolean embedding = flag(config, "embeddingDataDeliveryEnabled");
        if (s3 == null && cw == null) {
            throw BedrockException.validation("Logging configuration needs at least one destination: give "
                    + "loggingConfig.s3Config or loggingConfig.cloudWatchConfig.");
        }
        return new InvocationLoggingConfig(s3, cw, text, image, embedding);
    }

    private static CloudWatchDestination cloudWatch(JsonNode node) {
        String where = "loggingConfig.cloudWatchConfig";
        if (node == null || node.isNull()) {
            return null;
        }
        object(node, where, Set.of("logGroupName", "roleArn", "largeDataDeliveryS3Config"));
        String group = string(node, "logGroupName", where, true);
        if (!LOG_GROUP.matcher(group).matches()) {
            throw constraint(group, where + ".logGroupName", "Member must satisfy regular expression pattern: "
                    + LOG_GROUP.pattern());
        }
        String role = string(node, "roleArn", where, true);
        if (role.length() > 2048 || !ROLE_ARN.matcher(role).matches()) {
            throw constraint(role, where + ".roleArn", "Member must satisfy regular expression pattern: "
                    + ROLE_ARN.pattern());
        }
        return new CloudWatchDestination(group, role, location(node.get("largeDataDeliveryS3Config"),
                where + ".largeDataDeliveryS3Config"));
    }

    private static S3Location location(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        object(node, where, Set.of("bucketName", "keyPrefix"));
        String bucket = string(node, "bucketName", where, true);
        if (bucket.length() < 3 || bucket.length() > 63) {
            throw constraint(bucket, where + ".bucketName", "Member must have length between 3 and 63");
        }
        String prefix = string(node, "keyPrefix", where, false);
        if (prefix != null && prefix.length() > 1024) {
            throw constraint(prefix, where + ".keyPrefix", "Member must have length less than or equal to 1024");
        }
        return new S3Location(bucket, prefix);
    }

    private static ObjectNode describe(InvocationLoggingConfig c) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        if (c.cloudWatch() != null) {
            ObjectNode cw = n.putObject("cloudWatchConfig");
            cw.put("logGroupName", c.cloudWatch().logGroupName());
            cw.put("roleArn", c.cloudWatch().roleArn());
            if (c.cloudWatch().largeDataDelivery() != null) {
                describe(cw.putObject("largeDataDeliveryS3Config"), c.cloudWatch().largeDataDelivery());
            }
        }
        if (c.s3() != null) {
            describe(n.putObject("s3Config"), c.s3());
        }
        n.put("textDataDeliveryEnabled", c.textDataDelivery());
        n.put("imageDataDeliveryEnabled", c.imageDataDelivery());
        n.put("embeddingDataDeliveryEnabled", c.embeddingDataDelivery());
        return n;
    }

    private static void describe(ObjectNode n, S3Location l) {
        n.put("bucketName", l.bucketName());
        if (!l.keyPrefix().isEmpty()) {
            n.put("keyPrefix", l.keyPrefix());
        }
    }

    private static void object(JsonNode node, String where, Set<String> keys) {
        if (!node.isObject()) {
            throw BedrockException.validation("1 validation error detected: Value at '" + where
                    + "' failed to satisfy constraint: Member must be a structure");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!keys.contains(name)) {
                throw BedrockException.validation("Unknown field '" + where + "." + name + "'; expected "
                        + keys + ".");
            }
        }
    }

    private static String string(JsonNode node, String key, String where, boolean required) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            if (required) {
                throw missing(where + "." + key);
            }
            return null;
        }
        if (!v.isTextual()) {
            throw BedrockException.validation("1 validation error detected: Value at '" + where + "." + key
                    + "' failed to satisfy constraint: Member must be a string");
        }
        return v.textValue();
    }

    private static boolean flag(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw BedrockException.validation("1 validation error detected: Value at 'loggingConfig." + key
                    + "' failed to satisfy constraint: Member must be a boolean");
        }
        return v.booleanValue();
    }

    private static BedrockException missing(String where) {
        return BedrockException.validation("1 validation error detected: Value null at '" + where
                + "' failed to satisfy constraint: Member must not be null");
    }

    private static BedrockException constraint(String value, String where, String rule) {
        String shown = value.length() <= 200 ? value : value.substring(0, 200) + "...";
        return BedrockException.validation("1 validation error detected: Value '" + shown + "' at '" + where
                + "' failed to satisfy constraint: " + rule);
    }

    private static InvocationLoggingService service(InvocationLoggingService service) {
        if (service == null) {
            throw BedrockException.notFound("Model invocation logging is not kept by this server.");
        }
        return service;
    }
}
