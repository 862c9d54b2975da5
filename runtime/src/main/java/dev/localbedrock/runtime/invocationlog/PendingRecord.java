package dev.localbedrock.runtime.invocationlog;

import dev.localbedrock.runtime.observe.CompletedCall;
import dev.localbedrock.runtime.state.InvocationLoggingConfig;

import java.time.Instant;
import java.util.List;

/**
 * One invocation waiting for delivery, as it was taken off the call path: the raw bodies (parsed and rendered only
 * on the delivery thread) and the configuration in force when it completed.
 *
 * @param withBodies whether its data-delivery toggle was on (if not, the bodies are already dropped)
 */
record PendingRecord(Instant timestamp, String requestId, String operation, String modelId, int inputTokens,
                     int outputTokens, String errorCode, boolean streamed, byte[] requestBody, byte[] responseBody,
                     List<byte[]> responseChunks, boolean withBodies, InvocationLoggingConfig config) {

    static PendingRecord of(CompletedCall call, String modelId, boolean withBodies, InvocationLoggingConfig config) {
        return new PendingRecord(call.startTime(), call.requestId(), call.operation(), modelId, call.inputTokens(),
                call.outputTokens(), call.errorCode(), call.streamed(), withBodies ? call.requestBody() : null,
                withBodies ? call.responseBody() : null, withBodies ? call.responseChunks() : List.of(), withBodies,
                config);
    }

    /** The body bytes it holds, for the buffer's byte bound. */
    long bytes() {
        long n = 256; // the metadata, roughly
        n += requestBody == null ? 0 : requestBody.length;
        n += responseBody == null ? 0 : responseBody.length;
        for (byte[] chunk : responseChunks) {
            n += chunk.length;
        }
        return n;
    }
}
