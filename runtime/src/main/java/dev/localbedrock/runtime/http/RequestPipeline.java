package dev.localbedrock.runtime.http;

import dev.localbedrock.runtime.catalog.ServerSettings;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;

import java.util.concurrent.Executor;

/**
 * The one place that builds the request-handling end of a pipeline, for an HTTP/1.1 connection and for each HTTP/2
 * stream alike: reject what the codec could not decode, time the body, aggregate it within the size limit, route it.
 * An HTTP/1.1 connection first puts its requests in line ({@link Http1Pipelining}): one byte stream carries one
 * response at a time. HTTP/2 needs no such line, each stream being its own channel.
 */
final class RequestPipeline {
    /** Longest HTTP/1.1 request line (method, path with the model id or ARN, version): Netty's default. */
    static final int MAX_REQUEST_LINE_BYTES = 4096;

    private final ServerSettings settings;
    private final RuntimeApi api;
    private final Executor decoders;
    private final BodyBudget bodies;
    private final ServerObservers observers;

    RequestPipeline(ServerSettings settings, RuntimeApi api, Executor decoders, BodyBudget bodies) {
        this(settings, api, decoders, bodies, ServerObservers.NONE);
    }

    RequestPipeline(ServerSettings settings, RuntimeApi api, Executor decoders, BodyBudget bodies,
                    ServerObservers observers) {
        this.settings = settings;
        this.api = api;
        this.decoders = decoders;
        this.bodies = bodies;
        this.observers = observers;
    }

    /** Appends the HTTP/1.1 handlers after {@code after}; the connection's write stall guard is already in front. */
    void addHttp1(ChannelPipeline p, String after) {
        p.addAfter(after, "pipelining", new Http1Pipelining(settings.maxBodyBytes()));
        p.addAfter("pipelining", "keep-alive", new HttpServerKeepAliveHandler());
        p.addAfter("keep-alive", "malformed", malformedGuard());
        p.addAfter("malformed", "body-deadline", bodyDeadline());
        p.addAfter("body-deadline", "aggregator", new BodyAggregator(settings.maxBodyBytes(), bodies, observers));
        p.addAfter("aggregator", "api", new RuntimeApiHandler(api, decoders, bodies, observers));
    }

    /**
     * Appends the handlers of one HTTP/2 stream (after the frame-to-HTTP-object codec). The stream has its own
     * write stall guard: its writability follows its flow-control window, which a client can starve on its own.
     */
    void addHttp2Stream(ChannelPipeline p) {
        p.addLast(new WriteStallGuard(settings.connections().writeStallTimeout().toNanos()),
                malformedGuard(),
                bodyDeadline(),
                new BodyAggregator(settings.maxBodyBytes(), bodies, observers),
                new RuntimeApiHandler(api, decoders, bodies, observers));
    }

    private MalformedRequestGuard malformedGuard() {
        return new MalformedRequestGuard(settings.connections().maxHeaderBytes(), MAX_REQUEST_LINE_BYTES);
    }

    private RequestBodyDeadline bodyDeadline() {
        return new RequestBodyDeadline(settings.connections().requestBodyTimeout());
    }
}
