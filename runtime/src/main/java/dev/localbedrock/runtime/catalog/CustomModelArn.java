package dev.localbedrock.runtime.catalog;

/**
 * A custom model's ARN as the guide gives it, {@code arn:aws:bedrock:REGION:ACCOUNT:custom-model/FOUNDATION-ID/ID}:
 * the foundation model it was trained from is part of the ARN, which is how serving, provisioned throughput and the
 * control plane find the catalogue entry (engine, device, context) a custom model runs with.
 */
public final class CustomModelArn {
    private static final String MARKER = ":custom-model/";

    private CustomModelArn() {
    }

    public static String of(String region, String account, String foundationId, String id) {
        return "arn:aws:bedrock:" + region + ":" + account + MARKER + foundationId + "/" + id;
    }

    /** Whether an identifier is a custom model's ARN (and not a name or another resource's ARN). */
    public static boolean is(String identifier) {
        return identifier != null && identifier.startsWith("arn:") && identifier.contains(MARKER);
    }

    /** The foundation model id in a custom model's ARN. */
    public static String foundationId(String customModelArn) {
        if (!is(customModelArn)) {
            throw new IllegalArgumentException("not a custom model ARN: " + customModelArn);
        }
        String path = customModelArn.substring(customModelArn.indexOf(MARKER) + MARKER.length());
        int slash = path.lastIndexOf('/');
        if (slash <= 0) {
            throw new IllegalArgumentException("a custom model ARN names its foundation model: " + customModelArn);
        }
        return path.substring(0, slash);
    }
}
