package dev.localbedrock.runtime.observe;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One API call as it ended, on every path (success, AWS error, throttle, unknown operation, stream that failed part
 * way, client that went away): what the audit trail, the metrics and invocation logging record. Built once per call
 * by the HTTP layer and handed to every {@link CallListener}.
 *
 * @param requestId        the {@code x-amzn-RequestId} the client got
 * @param startTime        when the request arrived
 * @param service          {@code bedrock-runtime}, {@code bedrock}, or this server's own {@code local-bedrock}; null
 *                         when no operation matched
 * @param operation        the AWS operation name ({@code InvokeModel}, {@code Converse}, …); null when none matched
 * @param method           the HTTP method
 * @param path             the request path, without the query string
 * @param pathParameters   the operation's decoded path parameters (e.g. {@code modelId})
 * @param queryParameters  the decoded query parameters
 * @param modelId          the served model's catalogue id the call reached (an invocation), else null
 * @param sourceIp         the client's address
 * @param userAgent        the {@code User-Agent} header, or null
 * @param httpStatus       the response status (200 for a stream that started, even if it failed later)
 * @param errorCode        the AWS error type ({@code ValidationException}, …), or null on success; for a stream that
 *                         failed after its headers, the exception event's type
 * @param errorMessage     the error's message, or null
 * @param latencyNanos     from arrival to the last byte written, in nanoseconds (a few-millisecond call's quantiles
 *                         need finer than whole milliseconds)
 * @param inputTokens      prompt tokens of an invocation, or -1 when none were processed or it is not one
 * @param outputTokens     generated tokens of an invocation, or -1
 * @param streamed         whether the response was an event stream
 * @param requestBody      the request body, only when a listener {@link CallListener#wantsBodies() wants bodies}
 *                         and the call is an invocation; else null
 * @param responseBody     a unary invocation's response body under the same condition; else null
 * @param responseChunks   a streamed invocation's event payloads (the family's chunk JSON for InvokeModel streams, the
 *                         event JSON for ConverseStream) under the same condition; else empty
 * @param principalArn     who called: the signing key's principal ({@code auth: sigv4}), the principal named after
 *                         the claimed key ({@code auth: open}), {@code anonymous}, or null when the call ended before
 *                         its caller was known (a malformed request, an authentication failure)
 * @param accessKeyId      the access key the call was signed with (or claimed), or null
 * @param authorization    the statement that allowed the call ({@code auth: sigv4}), or null
 * @param imageOutput      what an image model's invocation returned (CloudWatch's {@code OutputImageCount}), or null
 */
public record CompletedCall(String requestId, Instant startTime, String service, String operation, String method,
                            String path, Map<String, String> pathParameters, Map<String, List<String>> queryParameters,
                            String modelId, String sourceIp, String userAgent, int httpStatus, String errorCode,
                            String errorMessage, long latencyNanos, int inputTokens, int outputTokens, boolean streamed,
                            byte[] requestBody, byte[] responseBody, List<byte[]> responseChunks,
                            String principalArn, String accessKeyId, String authorization,
                            ImageOutput imageOutput) {
    /** A call that returned no images. */
    public CompletedCall(String requestId, Instant startTime, String service, String operation, String method,
                         String path, Map<String, String> pathParameters, Map<String, List<String>> queryParameters,
                         String modelId, String sourceIp, String userAgent, int httpStatus, String errorCode,
                         String errorMessage, long latencyNanos, int inputTokens, int outputTokens, boolean streamed,
                         byte[] requestBody, byte[] responseBody, List<byte[]> responseChunks,
                         String principalArn, String accessKeyId, String authorization) {
        this(requestId, startTime, service, operation, method, path, pathParameters, queryParameters, modelId,
                sourceIp, userAgent, httpStatus, errorCode, errorMessage, latencyNanos, inputTokens, outputTokens,
                streamed, requestBody, responseBody, responseChunks, principalArn, accessKeyId, authorization, null);
    }

    /** A call whose caller is not known. */
    public CompletedCall(String requestId, Instant startTime, String service, String operation, String method,
                         String path, Map<String, String> pathParameters, Map<String, List<String>> queryParameters,
                         String modelId, String sourceIp, String userAgent, int httpStatus, String errorCode,
                         String errorMessage, long latencyNanos, int inputTokens, int outputTokens, boolean streamed,
                         byte[] requestBody, byte[] responseBody, List<byte[]> responseChunks) {
        this(requestId, startTime, service, operation, method, path, pathParameters, queryParameters, modelId,
                sourceIp, userAgent, httpStatus, errorCode, errorMessage, latencyNanos, inputTokens, outputTokens,
                streamed, requestBody, responseBody, responseChunks, null, null, null);
    }

    /** Images an image model's invocation returned, or -1 for a call that is not one. */
    public int outputImages() {
        return imageOutput == null ? -1 : imageOutput.images();
    }

    public CompletedCall {
        pathParameters = pathParameters == null ? Map.of() : Map.copyOf(pathParameters);
        queryParameters = queryParameters == null ? Map.of() : Map.copyOf(queryParameters);
        responseChunks = responseChunks == null ? List.of() : List.copyOf(responseChunks);
    }

    /** The latency in whole milliseconds, as the audit trail and CloudWatch's figures give it. */
    public long latencyMs() {
        return latencyNanos / 1_000_000L;
    }

    /** Whether the call failed (any AWS error, before or during a stream). */
    public boolean failed() {
        return errorCode != null;
    }

    /** Whether it is a model invocation (InvokeModel, its stream, Converse, ConverseStream). */
    public boolean isInvocation() {
        return "bedrock-runtime".equals(service);
    }
}
