package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.runtime.observe.CallListener;
import dev.localbedrock.runtime.observe.CompletedCall;
import dev.localbedrock.runtime.observe.ImageOutput;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What one request has become so far, carried explicitly along every path that can answer it (the router, the decode
 * thread, the responders, the stream writer) and turned into one {@link CompletedCall} when it ends: when its JSON
 * response is written, its stream ends or fails, or its client goes away first. One per request, never per channel:
 * an HTTP/1.1 connection can have several pipelined requests in flight. Completes exactly once, whichever path gets
 * there first; later attempts are ignored.
 * <p>
 * Fields are written by the thread that currently owns the request (the event loop, then a decode thread it hands the
 * request to, then the event loop again), each hand-off being an executor submission, so they need no locks.
 */
final class CallRecord {
    /**
     * The {@link CompletedCall#errorCode()} of a call whose client closed the connection (or reset its HTTP/2 stream)
     * before the response was complete. Not an AWS error type: no client ever receives it.
     */
    static final String CLIENT_DISCONNECTED = "ClientDisconnected";

    private static final Logger log = LoggerFactory.getLogger(CallRecord.class);

    private final CallListener listeners;
    private final String requestId;
    private final long startNanos;
    private final Instant startTime;
    private final String method;
    private final String uri;
    private final String sourceIp;
    private final String userAgent;
    private final boolean keepBodies;
    private final AtomicBoolean completed = new AtomicBoolean();

    private Operation operation;
    private Map<String, String> pathParameters = Map.of();
    private String modelId;
    private volatile String principalArn;
    private volatile String accessKeyId;
    private volatile String authorization;
    private int inputTokens = -1;
    private int outputTokens = -1;
    private ImageOutput imageOutput;
    /** The stream's 200 headers went out (a stream refused before them answered a JSON error: not streamed). */
    private boolean streamed;
    private byte[] requestBody;
    private byte[] responseBody;
    private List<byte[]> chunks;

    private CallRecord(CallListener listeners, String requestId, long startNanos, String method, String uri,
                       String sourceIp, String userAgent) {
        this.listeners = listeners;
        this.requestId = requestId;
        this.startNanos = startNanos;
        this.startTime = Instant.now();
        this.method = method;
        this.uri = uri;
        this.sourceIp = sourceIp;
        this.userAgent = userAgent;
        // Asked once, at the start: a toggle flipped mid-call neither half-fills nor drops this call's bodies.
        this.keepBodies = wantsBodies(listeners, requestId);
    }

    private static boolean wantsBodies(CallListener listeners, String requestId) {
        try {
            return listeners.wantsBodies();
        } catch (RuntimeException e) { // a listener must not fail the request it is asked about
            log.warn("call listeners failed to say whether they want bodies, request {}", requestId, e);
            return false;
        }
    }

    /** The record of {@code request} (its head is enough), as it arrives. */
    static CallRecord of(CallListener listeners, ChannelHandlerContext ctx, HttpRequest request,
                         String requestId, long startNanos) {
        return new CallRecord(listeners, requestId, startNanos, request.method().name(), request.uri(),
                addressOf(ctx.channel().remoteAddress()), request.headers().get(HttpHeaderNames.USER_AGENT));
    }

    private static String addressOf(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
        }
        return address == null ? null : address.toString();
    }

    String requestId() {
        return requestId;
    }

    String uri() {
        return uri;
    }

    /** The service of the operation the request named, or null before (or without) one. */
    String service() {
        Operation op = operation;
        return op == null ? null : op.service();
    }

    String sourceIp() {
        return sourceIp;
    }

    long startNanos() {
        return startNanos;
    }

    long millisSinceStart() {
        return (System.nanoTime() - startNanos) / 1_000_000L;
    }

    /** Whether bodies are kept for this call (some listener wanted them when it arrived). */
    boolean keepsBodies() {
        return keepBodies;
    }

    void operation(ResolvedOperation resolved) {
        this.operation = resolved.operation();
        this.pathParameters = resolved.pathParameters();
    }

    /** The served model's catalogue id the invocation reached. */
    void model(String catalogueId) {
        this.modelId = catalogueId;
    }

    /** An invocation's request body, kept only when bodies are. */
    /** Who the call is from, once the access gate let it through. */
    void caller(String principal, String keyId, String allowedBy) {
        this.principalArn = principal;
        this.accessKeyId = keyId;
        this.authorization = allowedBy;
    }

    void requestBody(byte[] body) {
        if (keepBodies && isInvocation()) {
            this.requestBody = body;
        }
    }

    /** A unary invocation's response body, kept only when bodies are. */
    void responseBody(byte[] body) {
        if (keepBodies && isInvocation()) {
            this.responseBody = body;
        }
    }

    /** The tokens counted so far (a stream's grow as it runs; what it had is what a disconnect records). */
    void tokens(int input, int output) {
        this.inputTokens = input;
        this.outputTokens = output;
    }

    void inputTokens(int input) {
        this.inputTokens = input;
    }

    void outputTokens(int output) {
        this.outputTokens = output;
    }

    /** The images an image model's response carries. */
    void imageOutput(ImageOutput output) {
        this.imageOutput = output;
    }

    /** The stream's 200 headers went out: from now on a failure is an exception frame, and the status stays 200. */
    void streamStarted() {
        this.streamed = true;
    }

    /**
     * One event-stream frame as written; its payload is kept when bodies are. InvokeModelWithResponseStream keeps the
     * family's chunk JSON (the decoded {@code bytes} of the chunk event), ConverseStream the event JSON itself.
     */
    void frame(byte[] frame) {
        if (!keepBodies || !isInvocation()) {
            return;
        }
        if (chunks == null) {
            chunks = new ArrayList<>();
        }
        byte[] payload = EventStreamPayloads.payload(frame);
        chunks.add(Operation.INVOKE_MODEL_WITH_RESPONSE_STREAM.equals(operation)
                ? EventStreamPayloads.chunkBytes(payload) : payload);
    }

    private boolean isInvocation() {
        return operation != null && Operation.BEDROCK_RUNTIME.equals(operation.service());
    }

    /** Ends the call with a success status. */
    void succeeded(int status) {
        complete(status, null, null);
    }

    /** Ends the call with an AWS error (its status, type and message). */
    void failed(BedrockException error) {
        failed(error.type().httpStatus(), error.type().shapeName(), error.getMessage());
    }

    void failed(int status, String errorCode, String message) {
        complete(status, errorCode, message);
    }

    /**
     * Ends a call whose stream failed after its 200 headers: the exception frame's type is the error code, the status
     * stays the 200 the client got.
     */
    void streamFailed(String exceptionType, String message) {
        complete(200, exceptionType, message);
    }

    /**
     * Ends a call whose client went away before its response was complete, with the tokens it had used. The status
     * is the 200 of a stream that had started, else 0: no status reached the client.
     */
    void clientGone() {
        complete(streamed ? 200 : 0, CLIENT_DISCONNECTED,
                "The client closed the connection before the response was complete.");
    }

    /** Whether the call already ended (its record was handed to the listeners). */
    boolean completed() {
        return completed.get();
    }

    private void complete(int status, String errorCode, String errorMessage) {
        if (!completed.compareAndSet(false, true)) {
            return;
        }
        try {
            listeners.completed(build(status, errorCode, errorMessage));
        } catch (RuntimeException e) { // a listener must not turn a written response into a failed one
            log.warn("call listeners failed on request {}", requestId, e);
        }
    }

    private CompletedCall build(int status, String errorCode, String errorMessage) {
        int q = uri.indexOf('?');
        String path = q >= 0 ? uri.substring(0, q) : uri;
        Map<String, List<String>> query = q >= 0 ? new QueryStringDecoder(uri).parameters() : Map.of();
        return new CompletedCall(requestId, startTime, operation == null ? null : operation.service(),
                operation == null ? null : operation.name(), method, path, pathParameters, query, modelId, sourceIp,
                userAgent, status, errorCode, errorMessage, System.nanoTime() - startNanos, inputTokens, outputTokens,
                streamed, requestBody, responseBody, chunks, principalArn, accessKeyId, authorization, imageOutput);
    }
}
