package dev.localbedrock.runtime.controlplane;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * For replicas sharing one state database: every {@code period}, this server's in-memory registrations of provisioned
 * throughput are brought in line with the database ({@link ProvisionedThroughputService#reconcile}), so a
 * provisioned model created through one replica is invocable through every other within a period. Not started for
 * an SQLite state, which one process owns.
 */
public final class SharedStateRefresh implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SharedStateRefresh.class);
    private final ScheduledExecutorService timer;

    private SharedStateRefresh(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    public static SharedStateRefresh start(ProvisionedThroughputService provisioned, Duration period) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "shared-state-refresh");
            t.setDaemon(true);
            return t;
        });
        long millis = period.toMillis();
        timer.scheduleWithFixedDelay(() -> {
            try {
                provisioned.reconcile();
            } catch (RuntimeException e) { // the database may be briefly unreachable: the next period tries again
                log.warn("could not refresh provisioned throughput from the shared state: {}", e.toString());
            }
        }, millis, millis, TimeUnit.MILLISECONDS);
        return new SharedStateRefresh(timer);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
