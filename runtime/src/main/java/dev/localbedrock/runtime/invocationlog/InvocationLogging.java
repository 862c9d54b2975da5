package dev.localbedrock.runtime.invocationlog;

import dev.localbedrock.runtime.state.InvocationLoggingRepository;
import dev.localbedrock.runtime.storage.ObjectStore;

import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Function;

/**
 * Model invocation logging, assembled: the configuration service the control plane's Put/Get/Delete operations
 * use, the {@link InvocationLogListener} to register with the server's call listeners, and the two destinations'
 * delivery threads (S3 through the {@link ObjectStore}, CloudWatch Logs as JSON-lines files under
 * {@code cloudWatchRoot}). Closing lets the buffers drain for a few seconds.
 */
public final class InvocationLogging implements AutoCloseable {
    /** Where the CloudWatch Logs layout goes under the storage folder ({@code _} is in no bucket name). */
    public static final String CLOUDWATCH_DIR = "_cloudwatch-logs";

    private final InvocationLoggingService service;
    private final InvocationLogListener listener;
    private final DeliveryCounters counters;
    private final DeliveryWorker s3;
    private final DeliveryWorker cloudWatch;

    private InvocationLogging(InvocationLoggingService service, InvocationLogListener listener,
                              DeliveryCounters counters, DeliveryWorker s3, DeliveryWorker cloudWatch) {
        this.service = service;
        this.listener = listener;
        this.counters = counters;
        this.s3 = s3;
        this.cloudWatch = cloudWatch;
    }

    /**
     * Starts the delivery threads.
     *
     * @param kinds which data toggle governs a served model's bodies, by its catalogue id (null: none, bodies never
     *              logged)
     */
    public static InvocationLogging start(InvocationLoggingRepository repository, ObjectStore store,
                                          Path cloudWatchRoot, Function<String, DataKind> kinds, String accountId,
                                          String region, DeliveryPolicy policy) {
        DeliveryCounters counters = new DeliveryCounters();
        RecordRenderer renderer = new RecordRenderer(accountId, region, counters);
        Clock clock = Clock.systemUTC();
        DeliveryWorker s3 = new DeliveryWorker("s3", new S3LogSink(store, renderer, counters), policy, counters,
                clock);
        DeliveryWorker cw = new DeliveryWorker("cloudwatch", new CloudWatchLogSink(cloudWatchRoot, store, renderer,
                counters), policy, counters, clock);
        InvocationLoggingService service = new InvocationLoggingService(repository);
        return new InvocationLogging(service, new InvocationLogListener(service, kinds, s3, cw), counters, s3, cw);
    }

    public InvocationLoggingService service() {
        return service;
    }

    public InvocationLogListener listener() {
        return listener;
    }

    public DeliveryCounters counters() {
        return counters;
    }

    /** Records buffered or being delivered, over both destinations (0 once everything has landed). */
    public long pending() {
        return s3.pending() + cloudWatch.pending();
    }

    /** The CloudWatch Logs file of a log group (its {@code aws/bedrock/modelinvocations} stream). */
    public static Path cloudWatchStreamFile(Path cloudWatchRoot, String logGroupName) {
        return CloudWatchLogSink.streamFile(cloudWatchRoot, logGroupName);
    }

    @Override
    public void close() {
        s3.close();
        cloudWatch.close();
    }
}
