package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.TextFamilyCodec;
import dev.localbedrock.codecs.inference.EmbeddingRequest;
import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.runtime.ServedModel;
import dev.localbedrock.runtime.generation.GenerationJob;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Routes one request of the bedrock-runtime API: validates the route and headers on the event loop (cheap), then
 * hands the body to a {@link DecodeExecutor} thread, which decodes the family body, admits the generation (the
 * prompt is tokenized there) and links the response to a responder that writes it when tokens arrive. An embedding
 * model answers InvokeModel only, through its embedding worker. Nothing on the event loop costs time in proportion
 * to what the client sent, and nothing here blocks on inference.
 */
final class RuntimeApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(RuntimeApiHandler.class);
    static final String BEDROCK_ACCEPT = "X-Amzn-Bedrock-Accept";
    private static final OperationTable OPERATIONS = OperationTable.standard();

    private final RuntimeApi api;
    private final Executor decoders;
    private final BodyBudget bodies;

    RuntimeApiHandler(RuntimeApi api, Executor decoders, BodyBudget bodies) {
        this.api = api;
        this.decoders = decoders;
        this.bodies = bodies;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        long startNanos = System.nanoTime();
        String requestId = AwsResponses.newRequestId();
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        try {
            ResolvedOperation call = OPERATIONS.resolve(request.method(), request.uri());
            if (api.draining()) {
                keepAlive = false; // the client should reconnect, to another instance
                throw new BedrockException(BedrockErrorType.SERVICE_UNAVAILABLE,
                        "The server is shutting down and accepts no new requests; retry on another instance.");
            }
            if (call.operation().equals(Operation.PING)) {
                writeHealth(ctx, requestId);
                return;
            }
            ServedModel served = api.resolve(call.pathParameter("modelId"));
            checkContentType(request.headers().get(HttpHeaderNames.CONTENT_TYPE));
            boolean stream = call.operation().equals(Operation.INVOKE_MODEL_WITH_RESPONSE_STREAM);
            byte[] body;
            Runnable admit;
            if (served instanceof ServedModel.Embedding embedding) {
                if (stream) {
                    throw BedrockException.validation(TextFamilyCodec.NOT_STREAMING);
                }
                checkAccept(request.headers().get(HttpHeaderNames.ACCEPT), "Accept");
                body = ByteBufUtil.getBytes(request.content());
                boolean keep = keepAlive;
                admit = () -> new EmbeddingResponder(ctx, requestId, embedding.codec(), startNanos, keep)
                        .respondTo(embedding.worker().submit(embedding.codec().decodeRequest(body)));
            } else {
                ServedModel.Text model = (ServedModel.Text) served;
                if (stream && !model.codec().streams()) {
                    throw BedrockException.validation(TextFamilyCodec.NOT_STREAMING);
                }
                checkAccept(request.headers().get(stream ? BEDROCK_ACCEPT : HttpHeaderNames.ACCEPT.toString()),
                        stream ? BEDROCK_ACCEPT : "Accept");
                body = ByteBufUtil.getBytes(request.content());
                boolean keep = keepAlive;
                admit = () -> {
                    TextGenerationRequest generation = model.codec().decodeRequest(body);
                    Responder responder = stream
                            ? new StreamingResponder(ctx, requestId, model.codec().openStream(generation), startNanos)
                            : new UnaryResponder(ctx, requestId, model.codec(), startNanos, keep);
                    GenerationJob job = model.worker().submit(generation, responder);
                    responder.watch(job);
                };
            }
            offload(ctx, requestId, keepAlive, body.length, admit);
        } catch (UnknownOperationException e) {
            write(ctx, AwsResponses.error(requestId, 404, "UnknownOperationException", e.getMessage()), keepAlive);
        } catch (BedrockException e) {
            write(ctx, AwsResponses.error(ctx.alloc(), requestId, e), keepAlive);
        } catch (RuntimeException e) {
            internalError(ctx, requestId, keepAlive, e);
        }
    }

    /**
     * Runs {@code admit} on a decode thread, its copied body held in the server's body budget until it is decoded;
     * every way it can fail still answers the request.
     */
    private void offload(ChannelHandlerContext ctx, String requestId, boolean keepAlive, long bodyBytes,
                         Runnable admit) {
        if (!bodies.tryReserve(bodyBytes)) {
            write(ctx, AwsResponses.error(ctx.alloc(), requestId, new BedrockException(BedrockErrorType.THROTTLING,
                    "The server is holding as many request bodies as it can; retry shortly.")), keepAlive);
            return;
        }
        try {
            decoders.execute(() -> {
                try {
                    admit.run();
                } catch (BedrockException e) {
                    write(ctx, AwsResponses.error(ctx.alloc(), requestId, e), keepAlive);
                } catch (InferenceFailure e) { // the workers refuse in neutral terms
                    write(ctx, AwsResponses.error(ctx.alloc(), requestId, InferenceErrors.toAws(e)), keepAlive);
                } catch (RuntimeException e) {
                    internalError(ctx, requestId, keepAlive, e);
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
            write(ctx, AwsResponses.error(ctx.alloc(), requestId, refusal), api.draining() ? false : keepAlive);
        }
    }

    private static void internalError(ChannelHandlerContext ctx, String requestId, boolean keepAlive,
                                      RuntimeException e) {
        log.error("request {} failed", requestId, e);
        write(ctx, AwsResponses.error(ctx.alloc(), requestId, new BedrockException(
                BedrockErrorType.INTERNAL_SERVER, "Internal error: " + e.getClass().getSimpleName())), keepAlive);
    }

    /** JSON bodies arrive as application/json, with no Content-Type (older Java SDKs) or as octet-stream (JS SDK). */
    private static void checkContentType(String contentType) {
        if (contentType == null) {
            return;
        }
        String type = mediaType(contentType);
        if (!type.equals("application/json") && !type.equals("application/octet-stream") && !type.isEmpty()) {
            throw BedrockException.validation("The provided content type " + contentType
                    + " is not supported; use application/json.");
        }
    }

    private static void checkAccept(String accept, String header) {
        if (accept == null) {
            return;
        }
        for (String option : accept.split(",")) {
            String type = mediaType(option);
            if (type.equals("application/json") || type.equals("*/*") || type.equals("application/*")
                    || type.isEmpty()) {
                return;
            }
        }
        throw BedrockException.validation("The requested " + header + " " + accept
                + " is not supported; this model returns application/json.");
    }

    private static String mediaType(String headerValue) {
        int semi = headerValue.indexOf(';');
        return (semi >= 0 ? headerValue.substring(0, semi) : headerValue).trim().toLowerCase(Locale.ROOT);
    }

    private static void writeHealth(ChannelHandlerContext ctx, String requestId) {
        byte[] body = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, AwsResponses.JSON)
                .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(AwsResponses.REQUEST_ID, requestId);
        ctx.writeAndFlush(response);
    }

    static void write(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        HttpUtil.setKeepAlive(response, keepAlive);
        ctx.writeAndFlush(response);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("connection error, closing", cause);
        ctx.close();
    }
}
