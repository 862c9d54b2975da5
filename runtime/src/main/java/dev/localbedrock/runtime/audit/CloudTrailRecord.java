package dev.localbedrock.runtime.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.runtime.observe.CompletedCall;

import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * The CloudTrail record of one API call, in the field order and spelling of the guide's InvokeModel example. Only
 * what identifies the call goes in: path and query parameters as {@code requestParameters}, never a body (Bedrock
 * does not record prompts or answers in its service logs), and {@code responseElements} null.
 */
public final class CloudTrailRecord {
    /** The eventSource of both {@code bedrock} and {@code bedrock-runtime} calls, as CloudTrail writes it. */
    public static final String BEDROCK_SOURCE = "bedrock.amazonaws.com";
    /** The eventSource of this server's own operations (not AWS ones). */
    public static final String LOCAL_SOURCE = "local-bedrock";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String region;
    private final String account;

    public CloudTrailRecord(String region, String account) {
        this.region = region;
        this.account = account;
    }

    public ObjectNode of(CompletedCall call, String eventId) {
        ObjectNode r = JSON.createObjectNode();
        r.put("eventVersion", "1.08");
        userIdentity(r.putObject("userIdentity"), call);
        r.put("eventTime", DateTimeFormatter.ISO_INSTANT.format(call.startTime().truncatedTo(ChronoUnit.SECONDS)));
        r.put("eventSource", "local-bedrock".equals(call.service()) ? LOCAL_SOURCE : BEDROCK_SOURCE);
        r.put("eventName", call.operation());
        r.put("awsRegion", region);
        r.put("sourceIPAddress", call.sourceIp());
        r.put("userAgent", call.userAgent());
        if (call.operation() == null) {
            r.putNull("requestParameters"); // no operation, so no parameters: the path is in additionalEventData
        } else {
            ObjectNode params = r.putObject("requestParameters");
            call.pathParameters().forEach(params::put);
            for (Map.Entry<String, List<String>> q : call.queryParameters().entrySet()) {
                if (q.getValue().size() == 1) {
                    params.put(q.getKey(), q.getValue().get(0));
                } else {
                    q.getValue().forEach(params.withArray(q.getKey())::add);
                }
            }
        }
        r.putNull("responseElements");
        if (call.failed()) {
            r.put("errorCode", call.errorCode());
            r.put("errorMessage", call.errorMessage());
        }
        ObjectNode extra = r.putObject("additionalEventData");
        extra.put("httpMethod", call.method());
        extra.put("path", call.path());
        extra.put("httpStatus", call.httpStatus());
        extra.put("latencyMs", call.latencyMs());
        if (call.authorization() != null) {
            extra.put("authorization", call.authorization());
        }
        if (call.modelId() != null) {
            extra.put("servedModelId", call.modelId());
        }
        r.put("requestID", call.requestId());
        r.put("eventID", eventId);
        r.put("readOnly", readOnly(call.operation()));
        r.put("eventType", "AwsApiCall");
        // Bedrock records its runtime calls (InvokeModel, Converse, their streams) as management events too, as
        // the guide's example shows; data events are for agents and knowledge bases, which this server lacks.
        r.put("managementEvent", true);
        r.put("recipientAccountId", account);
        r.put("eventCategory", "Management");
        return r;
    }

    /** Get, List (and the like) only read; everything else, invocations included, is a write in CloudTrail's terms. */
    static boolean readOnly(String operation) {
        return operation != null && (operation.startsWith("Get") || operation.startsWith("List")
                || operation.startsWith("Describe"));
    }

    /**
     * CloudTrail's identity block: an IAM user as {@code IAMUser} with its ARN, account, user name and access key;
     * a caller not known (the call failed before its signature checked out) or anonymous as {@code Unknown}, and
     * any other principal as {@code AssumedRole}.
     */
    private static void userIdentity(ObjectNode id, CompletedCall call) {
        String arn = call.principalArn();
        if (arn == null || !arn.startsWith("arn:")) {
            id.put("type", "Unknown");
            if (arn != null) {
                id.put("principalId", arn);
            }
            if (call.accessKeyId() != null) {
                id.put("accessKeyId", call.accessKeyId());
            }
            return;
        }
        String[] parts = arn.split(":", 6);
        boolean user = parts.length == 6 && parts[5].startsWith("user/");
        id.put("type", user ? "IAMUser" : "AssumedRole");
        id.put("arn", arn);
        if (parts.length == 6) {
            id.put("accountId", parts[4]);
        }
        if (call.accessKeyId() != null) {
            id.put("accessKeyId", call.accessKeyId());
        }
        if (user) {
            id.put("userName", parts[5].substring(parts[5].lastIndexOf('/') + 1));
        }
    }
}
