package dev.localbedrock.runtime.http;

import dev.localbedrock.runtime.metrics.RuntimeMetrics;
import dev.localbedrock.runtime.observe.CallListeners;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The observation cost one invocation adds to the request path with invocation logging off: its {@link CallRecord}
 * made at arrival and filled as the call goes (operation, model, tokens), the {@code CompletedCall} built when it
 * ends, and the CloudWatch-named metrics listener recording it into the Prometheus registry (counters, the latency
 * histogram of 51 buckets). The request id (a UUID the server made before) is not part of it. In this package because
 * {@code CallRecord} is the HTTP layer's own.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar CallRecordBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CallRecordBenchmark {
    private static final String MODEL = "meta.llama2-13b-chat-v1";

    private CallListeners listeners;
    private ChannelHandlerContext ctx;
    private FullHttpRequest request;
    private ResolvedOperation operation;
    private ResolvedOperation streamOperation;

    @Setup
    public void setUp() {
        RuntimeMetrics metrics = new RuntimeMetrics();
        listeners = new CallListeners().add(metrics.invocations());
        EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        ctx = channel.pipeline().firstContext();
        request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/model/" + MODEL + "/invoke");
        request.headers().set(HttpHeaderNames.USER_AGENT, "aws-sdk-java/2.31.0 md/io#sync ua/2.1 os/Linux");
        operation = new ResolvedOperation(Operation.INVOKE_MODEL, Map.of("modelId", MODEL));
        streamOperation = new ResolvedOperation(Operation.INVOKE_MODEL_WITH_RESPONSE_STREAM, Map.of("modelId", MODEL));
    }

    /** A unary InvokeModel that succeeded. */
    @Benchmark
    public CallRecord unaryInvocation() {
        CallRecord call = CallRecord.of(listeners, ctx, request, "9d2fb03b-f3f1-4822-ab1e-f9c869bededa",
                System.nanoTime());
        call.operation(operation);
        call.model(MODEL);
        call.requestBody(null);
        call.tokens(42, 17);
        call.responseBody(null);
        call.succeeded(200);
        return call;
    }

    /** A streamed invocation of 17 chunks (the per-chunk token updates and frame hand-offs included). */
    @Benchmark
    public CallRecord streamedInvocation() {
        CallRecord call = CallRecord.of(listeners, ctx, request, "9d2fb03b-f3f1-4822-ab1e-f9c869bededa",
                System.nanoTime());
        call.operation(streamOperation);
        call.model(MODEL);
        call.inputTokens(42);
        call.streamStarted();
        for (int i = 1; i <= 17; i++) {
            call.tokens(42, i);
            call.frame(null); // bodies are off: the frame is not read
        }
        call.succeeded(200);
        return call;
    }
}
