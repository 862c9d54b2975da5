package dev.localbedrock.runtime.state;

/**
 * The account's model invocation logging configuration (PutModelInvocationLoggingConfiguration's
 * {@code loggingConfig}). At least one destination is set.
 *
 * @param s3                    the S3 destination, or null
 * @param cloudWatch            the CloudWatch Logs destination, or null
 * @param textDataDelivery      whether text models' request and response bodies are logged
 * @param imageDataDelivery     whether image models' bodies are logged
 * @param embeddingDataDelivery whether embedding models' bodies are logged
 */
public record InvocationLoggingConfig(S3Location s3, CloudWatchDestination cloudWatch, boolean textDataDelivery,
                                      boolean imageDataDelivery, boolean embeddingDataDelivery) {
    public InvocationLoggingConfig {
        if (s3 == null && cloudWatch == null) {
            throw new IllegalArgumentException("a logging configuration needs an S3 or a CloudWatch Logs destination");
        }
    }

    /** A bucket and key prefix ({@code S3Config}, {@code largeDataDeliveryS3Config}); the prefix may be empty. */
    public record S3Location(String bucketName, String keyPrefix) {
        public S3Location {
            if (bucketName == null || bucketName.isEmpty()) {
                throw new IllegalArgumentException("bucketName is required");
            }
            keyPrefix = keyPrefix == null ? "" : keyPrefix;
        }
    }

    /** {@code CloudWatchConfig}: the log group, the role Bedrock would assume, and where large bodies go (or null). */
    public record CloudWatchDestination(String logGroupName, String roleArn, S3Location largeDataDelivery) {
    }
}
