package dev.localbedrock.runtime.invocationlog;

import dev.localbedrock.runtime.observe.CallListener;
import dev.localbedrock.runtime.observe.CompletedCall;
import dev.localbedrock.runtime.state.InvocationLoggingConfig;

import java.util.function.Function;

/**
 * Model invocation logging on the call path: asks for bodies only while a configuration is in force, and hands each
 * invocation that reached a model to the configured destinations' buffers. Costs a volatile read when logging is off
 * and a few allocations when on; parsing, rendering and writing happen on the destinations' own threads. When
 * logging is off nothing of the call is kept.
 */
public final class InvocationLogListener implements CallListener {
    private final InvocationLoggingService config;
    private final Function<String, DataKind> kinds;
    private final DeliveryWorker s3;
    private final DeliveryWorker cloudWatch;

    InvocationLogListener(InvocationLoggingService config, Function<String, DataKind> kinds, DeliveryWorker s3,
                          DeliveryWorker cloudWatch) {
        this.config = config;
        this.kinds = kinds;
        this.s3 = s3;
        this.cloudWatch = cloudWatch;
    }

    @Override
    public boolean wantsBodies() {
        return config.current() != null;
    }

    @Override
    public void completed(CompletedCall call) {
        InvocationLoggingConfig c = config.current();
        if (c == null || !call.isInvocation() || call.modelId() == null || call.operation() == null) {
            return; // off, or not an invocation of a model (an unknown model id is no invocation)
        }
        DataKind kind = kinds.apply(call.modelId());
        boolean bodies = kind != null && kind.enabledIn(c);
        String invokedAs = call.pathParameters().getOrDefault("modelId", call.modelId());
        PendingRecord record = PendingRecord.of(call, invokedAs, bodies, c);
        if (c.s3() != null) {
            s3.offer(record);
        }
        if (c.cloudWatch() != null) {
            cloudWatch.offer(record);
        }
    }
}
