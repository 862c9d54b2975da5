package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.runtime.ModelTarget;
import dev.localbedrock.runtime.auth.AccessGate;
import dev.localbedrock.runtime.auth.SignedRequest;
import dev.localbedrock.runtime.auth.VerifiedCaller;
import dev.localbedrock.runtime.console.ConsoleAssets;
import dev.localbedrock.runtime.controlplane.ModelAccessService;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Routes one request of the bedrock-runtime API: validates the route and headers on the event loop (cheap), then
 * hands the body to a {@link DecodeExecutor} thread, which decodes the family body, admits the request (a prompt is
 * tokenized there) and links the response to a responder that writes it when the model answers. What differs by
 * modality (text, embedding) lives in the served model's {@link ModelInvoker}. Nothing on the event loop costs time in proportion
 * to what the client sent, and nothing here blocks on inference.
 */
final class RuntimeApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(RuntimeApiHandler.class);
    private static final OperationTable OPERATIONS = OperationTable.standard();
    private static final ConsoleAssets CONSOLE = new ConsoleAssets();
    /**
     * The console's pages run Alpine's standard build, which compiles its attribute expressions with
     * {@code new Function} (hence 'unsafe-eval'); everything else is this origin only, and no page may be framed.
     */
    private static final String CONSOLE_POLICY = "default-src 'self'; script-src 'self' 'unsafe-eval'; "
            + "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
            + "base-uri 'none'; form-action 'none'";

    private final RuntimeApi api;
    private final Executor decoders;
    private final BodyBudget bodies;
    private final ServerObservers observers;

    RuntimeApiHandler(RuntimeApi api, Executor decoders, BodyBudget bodies) {
        this(api, decoders, bodies, ServerObservers.NONE);
    }

    RuntimeApiHandler(RuntimeApi api, Executor decoders, BodyBudget bodies, ServerObservers observers) {
        this.api = api;
        this.decoders = decoders;
        this.bodies = bodies;
        this.observers = observers;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        long startNanos = System.nanoTime();
        // One record per request, passed along every path that can answer it (never a channel attribute: several
        // pipelined requests of one HTTP/1.1 connection can be in flight at once).
        CallRecord record = CallRecord.of(observers.calls(), ctx, request, AwsResponses.newRequestId(), startNanos);
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        try {
            String path = pathOf(request.uri());
            if (ConsoleAssets.isConsolePath(path)) {
                // Static files, the same for everyone: the APIs the pages call are gated like any client's.
                boolean keep = keepAlive;
                offload(ctx, record, keepAlive, 0, () -> writeConsoleFile(ctx, request.method(), path, record, keep));
                return;
            }
            ResolvedOperation call = OPERATIONS.resolve(request.method(), request.uri());
            if (call.operation().equals(Operation.GET_SESSION_TOKEN) && !formEncoded(request)) {
                // POST / is STS only as its clients send it: a form. Anything else there is no operation at all.
                throw new UnknownOperationException("No operation matches POST / with this content type; STS's"
                        + " GetSessionToken is a form-encoded POST"
                        + " (Content-Type: application/x-www-form-urlencoded).");
            }
            record.operation(call);
            if (call.operation().equals(Operation.LIVE)) { // before the drain: liveness holds while draining
                writeHealth(ctx, record, api.draining() ? "draining" : "ok");
                return;
            }
            if (api.draining()) {
                keepAlive = false; // the client should reconnect, to another instance
                throw new BedrockException(BedrockErrorType.SERVICE_UNAVAILABLE,
                        "The server is shutting down and accepts no new requests; retry on another instance.");
            }
            if (call.operation().equals(Operation.PING)) {
                writeHealth(ctx, record, "ok");
                return;
            }
            String crossOrigin = CrossOriginGuard.refusal(request.headers());
            if (crossOrigin != null) {
                throw new BedrockException(BedrockErrorType.ACCESS_DENIED, crossOrigin);
            }
            if (call.operation().equals(Operation.GET_METRICS)) {
                // A scrape walks every meter and its buckets: cheap, but not constant, so not on the event loop.
                boolean keep = keepAlive;
                offload(ctx, record, keepAlive, 0, () -> writeMetrics(ctx, record, keep));
                return;
            }
            // Everything else is gated: on a decode thread (verifying hashes the whole body), before the operation.
            byte[] body = ByteBufUtil.getBytes(request.content());
            SignedRequest signed = signedRequest(request, body);
            AccessGate.Call gateCall = new AccessGate.Call(signed, call.operation().service(),
                    call.operation().name(), call.pathParameters(), record.sourceIp(), secure(ctx));
            boolean keep = keepAlive;
            HttpHeaders headers = request.headers();
            offload(ctx, record, keepAlive, body.length, () -> {
                AccessGate.Admitted admitted = api.accessGate().admit(gateCall,
                        caller -> record.caller(caller.principalArn(), caller.accessKeyId(), null));
                record.caller(admitted.caller().principalArn(), admitted.caller().accessKeyId(), admitted.reason());
                dispatch(ctx, call, headers, body, admitted.caller(), record, keep);
            });
        } catch (UnknownOperationException e) {
            AwsResponses.sendError(ctx, record, 404, "UnknownOperationException", e.getMessage(), keepAlive);
        } catch (BedrockException e) {
            AwsResponses.sendError(ctx, record, e, keepAlive);
        } catch (RuntimeException e) {
            internalError(ctx, record, keepAlive, e);
        }
    }

    /** Runs the admitted operation, on the decode thread the gate ran on. */
    private void dispatch(ChannelHandlerContext ctx, ResolvedOperation call, HttpHeaders headers, byte[] body,
                          VerifiedCaller caller, CallRecord record, boolean keepAlive) {
        if (call.operation().service().equals(Operation.STS)) {
            new StsApi(api.sessionTokens()).handle(ctx, body, caller, record, keepAlive);
            return;
        }
        if (call.operation().service().equals(Operation.BEDROCK)) {
            new ControlPlaneApi(api.foundationModels(), api.provisionedThroughput(), api.tagging(),
                    api.invocationLogging()).customization(api.customization())
                    .handle(ctx, record.uri(), body, call, record, keepAlive);
            return;
        }
        if (call.operation().service().equals(Operation.BEDROCK_AGENT)) {
            AgentControlPlaneApi.handle(api.knowledgeBases(), api.agents(), ctx, body, call, record, keepAlive);
            return;
        }
        // ---- bedrock-agent-runtime: Retrieve ----
        if (call.operation().equals(Operation.RETRIEVE)) {
            AgentRuntimeApi.handle(api.knowledgeBases(), ctx, body, call, record, keepAlive);
            return;
        }
        // ---- end of bedrock-agent-runtime: Retrieve ----
        // --- InvokeAgent (bedrock-agent-runtime) ---
        if (call.operation().equals(Operation.INVOKE_AGENT)) {
            InvokeAgentApi.handle(api, ctx, body, call, record);
            return;
        }
        // --- end InvokeAgent ---
        // ---- RetrieveAndGenerate (bedrock-agent-runtime) ----
        if (call.operation().equals(Operation.RETRIEVE_AND_GENERATE)) {
            RetrieveAndGenerateApi.handle(api, ctx, body, record, keepAlive);
            return;
        }
        // ---- end of RetrieveAndGenerate ----
        if (call.operation().service().equals(Operation.LOCAL)) {
            LocalApi.handle(api, ctx, call, body, record, keepAlive);
            return;
        }
        boolean stream = call.operation().equals(Operation.INVOKE_MODEL_WITH_RESPONSE_STREAM)
                || call.operation().equals(Operation.CONVERSE_STREAM);
        ModelTarget target = api.resolve(call.pathParameter("modelId"));
        record.model(target.model().entry().id());
        ModelAccessService access = api.modelAccess();
        // Provisioned throughput carries its own grant (revoking is refused while one uses the model).
        if (access != null && target.capacityTag() == null && !access.granted(target.model().entry().id())) {
            throw new BedrockException(BedrockErrorType.ACCESS_DENIED, ModelAccessService.NO_ACCESS);
        }
        checkContentType(headers.get(HttpHeaderNames.CONTENT_TYPE));
        boolean converse = call.operation().equals(Operation.CONVERSE)
                || call.operation().equals(Operation.CONVERSE_STREAM);
        record.requestBody(body);
        ModelInvoker invoker = converse ? ModelInvoker.converse(target.model()) : ModelInvoker.of(target.model());
        invoker.prepare(new ModelInvoker.Call(ctx, record, keepAlive, stream, target.capacityTag(), target.budget()),
                headers, body).run();
    }

    /** The request as the signature covers it: method, target as sent, every header line, the body. */
    private static SignedRequest signedRequest(FullHttpRequest request, byte[] body) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Map.Entry<String, String> h : request.headers()) {
            headers.computeIfAbsent(h.getKey(), k -> new ArrayList<>(1)).add(h.getValue());
        }
        return new SignedRequest(request.method().name(), request.uri(), headers, body);
    }

    private static boolean formEncoded(FullHttpRequest request) {
        String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        return type != null && ModelInvoker.mediaType(type).equals("application/x-www-form-urlencoded");
    }

    /** Whether the request came over TLS ({@code aws:SecureTransport}); an HTTP/2 stream's connection is its parent. */
    private static boolean secure(ChannelHandlerContext ctx) {
        Channel connection = ctx.channel().parent() != null ? ctx.channel().parent() : ctx.channel();
        return connection.pipeline().get(SslHandler.class) != null;
    }

    /**
     * Runs {@code admit} on a decode thread, its copied body held in the server's body budget until it is decoded;
     * every way it can fail still answers the request (and so ends its record).
     */
    private void offload(ChannelHandlerContext ctx, CallRecord record, boolean keepAlive, long bodyBytes,
                         Runnable admit) {
        if (!bodies.tryReserve(bodyBytes)) {
            refuse(ctx, record, new BedrockException(BedrockErrorType.THROTTLING,
                    "The server is holding as many request bodies as it can; retry shortly."), keepAlive);
            return;
        }
        try {
            decoders.execute(() -> {
                try {
                    admit.run();
                } catch (BedrockException e) {
                    refuse(ctx, record, e, keepAlive);
                } catch (InferenceFailure e) { // the workers refuse in neutral terms
                    AwsResponses.sendError(ctx, record, InferenceErrors.toAws(e), keepAlive);
                } catch (RuntimeException e) {
                    internalError(ctx, record, keepAlive, e);
                } finally {
                    bodies.release(bodyBytes);
                }
            });
        } catch (RejectedExecutionException e) {
            bodies.release(bodyBytes);
            // Rejected after the drain began (the pool is shut down) or because the queue is full.
            BedrockException refusal = api.draining()
                    ? new BedrockException(BedrockErrorType.SERVICE_UNAVAILABLE,
                            "The server is shutting down and accepts no new requests; retry on another instance.")
                    : new BedrockException(BedrockErrorType.THROTTLING,
                            "Too many requests are waiting to be read; retry shortly.");
            refuse(ctx, record, refusal, api.draining() ? false : keepAlive);
        }
    }

    /** An error in the protocol of the call's service: STS clients read only STS's XML, everything else JSON. */
    private static void refuse(ChannelHandlerContext ctx, CallRecord record, BedrockException e, boolean keepAlive) {
        if (Operation.STS.equals(record.service())) {
            StsApi.sendError(ctx, record, e, keepAlive);
        } else {
            AwsResponses.sendError(ctx, record, e, keepAlive);
        }
    }

    private static void internalError(ChannelHandlerContext ctx, CallRecord record, boolean keepAlive,
                                      RuntimeException e) {
        log.error("request {} failed", record.requestId(), e);
        AwsResponses.sendError(ctx, record, new BedrockException(
                BedrockErrorType.INTERNAL_SERVER, "Internal error: " + e.getClass().getSimpleName()), keepAlive);
    }

    /** JSON bodies arrive as application/json, with no Content-Type (older Java SDKs) or as octet-stream (JS SDK). */
    private static void checkContentType(String contentType) {
        if (contentType == null) {
            return;
        }
        String type = ModelInvoker.mediaType(contentType);
        if (!type.equals("application/json") && !type.equals("application/octet-stream") && !type.isEmpty()) {
            throw BedrockException.validation("The provided content type " + contentType
                    + " is not supported; use application/json.");
        }
    }

    private static void writeHealth(ChannelHandlerContext ctx, CallRecord record, String status) {
        byte[] body = ("{\"status\":\"" + status + "\"}").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, AwsResponses.JSON)
                .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(AwsResponses.REQUEST_ID, record.requestId());
        ctx.writeAndFlush(response);
        record.succeeded(HttpResponseStatus.OK.code());
    }

    private static String pathOf(String uri) {
        int q = uri.indexOf('?');
        return q >= 0 ? uri.substring(0, q) : uri;
    }

    /** A console file (or its redirect, or a 404/405), on a decode thread (the first read of a file is from the jar). */
    private static void writeConsoleFile(ChannelHandlerContext ctx, io.netty.handler.codec.http.HttpMethod method,
                                         String path, CallRecord record, boolean keepAlive) {
        boolean head = method.equals(io.netty.handler.codec.http.HttpMethod.HEAD);
        if (!head && !method.equals(io.netty.handler.codec.http.HttpMethod.GET)) {
            AwsResponses.sendError(ctx, record, 405, "UnknownOperationException", "Method " + method
                    + " is not supported on " + path + "; use GET.", keepAlive);
            return;
        }
        FullHttpResponse response;
        if (path.equals("/console")) { // the pages' relative links need the trailing slash
            response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.MOVED_PERMANENTLY);
            response.headers().set(HttpHeaderNames.LOCATION, ConsoleAssets.ROOT).set(HttpHeaderNames.CONTENT_LENGTH, 0);
        } else {
            ConsoleAssets.Asset asset = CONSOLE.find(path).orElseThrow(() ->
                    BedrockException.notFound("The console has no file " + path + "."));
            response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(asset.body()));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, asset.contentType())
                    .set(HttpHeaderNames.CONTENT_LENGTH, asset.body().length)
                    .set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                    .set("Content-Security-Policy", CONSOLE_POLICY)
                    .set("X-Content-Type-Options", "nosniff")
                    .set("X-Frame-Options", "DENY")
                    .set("Referrer-Policy", "no-referrer");
        }
        response.headers().set(AwsResponses.REQUEST_ID, record.requestId());
        ctx.executor().execute(() -> AwsResponses.send(ctx, record, response, keepAlive));
    }

    /** The Prometheus text exposition of the server's registry; on a decode thread, written on the event loop. */
    private void writeMetrics(ChannelHandlerContext ctx, CallRecord record, boolean keepAlive) {
        if (observers.metrics() == null) {
            throw BedrockException.notFound("This server keeps no metrics.");
        }
        byte[] body = observers.metrics().get().getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, ServerObservers.PROMETHEUS_TEXT)
                .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(AwsResponses.REQUEST_ID, record.requestId());
        ctx.executor().execute(() -> AwsResponses.send(ctx, record, response, keepAlive));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("connection error, closing", cause);
        ctx.close();
    }
}
