package dev.localbedrock.runtime.quota;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * For replicas sharing one state database: every {@code period} (250 ms by default), each of this server's
 * budgets (on-demand quotas and provisioned models' units) meets the {@link UsageLedger}, so the replicas admit
 * each allowance once between them. Admission itself never waits on the database: it reads the local level, which
 * is at most one period old. When the database cannot be reached the buckets go on refilling locally (each
 * replica then admits its own full allowance) until it answers again.
 */
public final class LedgerSync implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LedgerSync.class);
    /** How often budgets meet the ledger: the staleness of a replica's view of the others' usage. */
    public static final Duration PERIOD = Duration.ofMillis(250);

    private final ScheduledExecutorService timer;
    private final UsageLedger ledger;
    private final Supplier<? extends Collection<? extends UsageBudget>> budgets;
    private boolean failing;

    private LedgerSync(UsageLedger ledger, Supplier<? extends Collection<? extends UsageBudget>> budgets) {
        this.ledger = ledger;
        this.budgets = budgets;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "usage-ledger");
            t.setDaemon(true);
            return t;
        });
    }

    /** Meets the ledger now and then every {@code period}, on its own thread, until closed. */
    public static LedgerSync start(UsageLedger ledger, Supplier<? extends Collection<? extends UsageBudget>> budgets,
                                   Duration period) {
        LedgerSync sync = new LedgerSync(ledger, budgets);
        sync.timer.scheduleWithFixedDelay(sync::meetAll, 0, period.toMillis(), TimeUnit.MILLISECONDS);
        return sync;
    }

    /** One round: every budget meets the ledger; a failure is logged once per outage and retried next round. */
    void meetAll() {
        try {
            for (UsageBudget budget : budgets.get()) {
                budget.meet(ledger);
            }
            if (failing) {
                log.info("the shared usage ledger answers again: quotas and model units are global once more");
                failing = false;
            }
        } catch (RuntimeException e) {
            if (!failing) {
                log.warn("cannot reach the shared usage ledger ({}); each replica counts its own usage until it "
                        + "answers", e.toString());
                failing = true;
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
