package dev.localbedrock.runtime.http;

import dev.localbedrock.runtime.audit.AuditTrail;
import dev.localbedrock.runtime.catalog.AuditSettings;
import dev.localbedrock.runtime.catalog.StorageSettings;
import dev.localbedrock.runtime.invocationlog.DataKind;
import dev.localbedrock.runtime.invocationlog.DeliveryPolicy;
import dev.localbedrock.runtime.invocationlog.InvocationLogging;
import dev.localbedrock.runtime.metrics.RuntimeMetrics;
import dev.localbedrock.runtime.observe.CallListeners;
import dev.localbedrock.runtime.state.InvocationLoggingConfig;
import dev.localbedrock.runtime.state.InvocationLoggingRepository;
import dev.localbedrock.runtime.storage.ObjectStores;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The observation cost one invocation adds to the request path with invocation logging off: its {@link CallRecord}
 * made at arrival and filled as the call goes (operation, model, tokens), the {@code CompletedCall} built when it
 * ends, and the CloudWatch-named metrics listener recording it into the Prometheus registry (counters, the latency
 * histogram of 51 buckets). The request id (a UUID the server made before) is not part of it. In this package because
 * {@code CallRecord} is the HTTP layer's own.
 *
 * <p>{@link #unaryInvocationEverythingOn} adds the audit trail's listener and invocation logging (text bodies on, S3
 * and CloudWatch destinations on a local folder): the call path's share only — the bodies kept, the pending record
 * built and offered to both destinations' buffers; delivery runs on its own threads (when its buffer is full the
 * record is counted as dropped, which costs the same on the call path).
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
    private CallListeners everything;
    private AuditTrail audit;
    private InvocationLogging logging;
    private byte[] requestBody;
    private byte[] responseBody;
    private ChannelHandlerContext ctx;
    private FullHttpRequest request;
    private ResolvedOperation operation;
    private ResolvedOperation streamOperation;

    @Setup
    public void setUp() throws IOException {
        RuntimeMetrics metrics = new RuntimeMetrics();
        listeners = new CallListeners().add(metrics.invocations());
        EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        ctx = channel.pipeline().firstContext();
        request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/model/" + MODEL + "/invoke");
        request.headers().set(HttpHeaderNames.USER_AGENT, "aws-sdk-java/2.31.0 md/io#sync ua/2.1 os/Linux");
        operation = new ResolvedOperation(Operation.INVOKE_MODEL, Map.of("modelId", MODEL));
        streamOperation = new ResolvedOperation(Operation.INVOKE_MODEL_WITH_RESPONSE_STREAM, Map.of("modelId", MODEL));

        Path dir = Files.createTempDirectory("call-record-bench");
        audit = AuditTrail.open(new AuditSettings(true, dir.resolve("audit"), 64L << 20, 2, 10_000), "us-east-1",
                "000000000000", Clock.systemUTC());
        InvocationLoggingConfig config = new InvocationLoggingConfig(
                new InvocationLoggingConfig.S3Location("logs", "bench"),
                new InvocationLoggingConfig.CloudWatchDestination("bench", "arn:aws:iam::000000000000:role/x", null),
                true, false, false);
        logging = InvocationLogging.start(new Fixed(config), ObjectStores.open(StorageSettings.local(dir.resolve("s3"))),
                dir.resolve("cloudwatch"), id -> DataKind.TEXT, "000000000000", "us-east-1", DeliveryPolicy.DEFAULT);
        everything = new CallListeners().add(metrics.invocations()).add(audit).add(logging.listener());
        requestBody = "{\"prompt\":\"Name three rivers in Europe.\",\"max_gen_len\":64,\"temperature\":0.5}"
                .getBytes(StandardCharsets.UTF_8);
        responseBody = ("{\"generation\":\"" + "The Danube, the Rhine and the Rhone. ".repeat(4)
                + "\",\"prompt_token_count\":14,\"generation_token_count\":64,\"stop_reason\":\"length\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @TearDown
    public void tearDown() {
        logging.close();
        audit.close();
    }

    /** A fixed logging configuration. */
    private record Fixed(InvocationLoggingConfig config) implements InvocationLoggingRepository {
        @Override
        public Optional<InvocationLoggingConfig> get() {
            return Optional.of(config);
        }

        @Override
        public void put(InvocationLoggingConfig c) {
        }

        @Override
        public boolean delete() {
            return false;
        }
    }

    /** {@link #unaryInvocation} with the audit trail and invocation logging (bodies kept) listening too. */
    @Benchmark
    public CallRecord unaryInvocationEverythingOn() {
        return unary(everything, requestBody, responseBody);
    }

    /** A unary InvokeModel that succeeded. */
    @Benchmark
    public CallRecord unaryInvocation() {
        return unary(listeners, null, null);
    }

    private CallRecord unary(CallListeners to, byte[] requestBytes, byte[] responseBytes) {
        CallRecord call = CallRecord.of(to, ctx, request, "9d2fb03b-f3f1-4822-ab1e-f9c869bededa", System.nanoTime());
        call.operation(operation);
        call.model(MODEL);
        call.requestBody(requestBytes);
        call.tokens(14, 64);
        call.responseBody(responseBytes);
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
