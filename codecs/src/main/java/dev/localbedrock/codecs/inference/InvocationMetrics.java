package dev.localbedrock.codecs.inference;

/**
 * What Bedrock reports about an invocation, carried as {@code amazon-bedrock-invocationMetrics} in the last stream
 * chunk and as {@code X-Amzn-Bedrock-*} headers on InvokeModel. Latencies in milliseconds.
 */
public record InvocationMetrics(int inputTokenCount, int outputTokenCount, long invocationLatency,
                                long firstByteLatency) {
}
