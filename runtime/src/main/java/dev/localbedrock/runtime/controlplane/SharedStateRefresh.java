package dev.localbedrock.runtime.controlplane;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * For replicas sharing one state database: every {@code period}, what this server holds in memory is brought in line
 * with the database: its registrations of provisioned throughput ({@link ProvisionedThroughputService#reconcile}),
 * so a provisioned model created through one replica is invocable through every other within a period, and the
 * caches the call path reads instead of the database (model-access grants, the invocation-logging configuration).
 * Not started for an SQLite state, which one process owns.
 */
public final class SharedStateRefresh implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SharedStateRefresh.class);
    private final ScheduledExecutorService timer;

    private SharedStateRefresh(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /**
     * @param refreshes what to bring in line, by what it is (for the log), each run every period; one that fails is
     *                  tried again at the next, and does not stop the others
     */
    public static SharedStateRefresh start(java.util.Map<String, Runnable> refreshes, Duration period) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "shared-state-refresh");
            t.setDaemon(true);
            return t;
        });
        long millis = period.toMillis();
        timer.scheduleWithFixedDelay(() -> {
            refreshes.forEach((what, refresh) -> {
                try {
                    refresh.run();
                } catch (RuntimeException e) { // the database may be briefly unreachable: the next period tries again
                    log.warn("could not refresh {} from the shared state: {}", what, e.toString());
                }
            });
        }, millis, millis, TimeUnit.MILLISECONDS);
        return new SharedStateRefresh(timer);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
