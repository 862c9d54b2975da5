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
 * each allowance once between them; in between, every tenth of a period, a bucket that has spent half of its share
 * since it last met meets again at once, so that a busy replica's unseen takings stay a fraction of its share.
 * Admission itself never waits on the database: it reads the local level, which is at most one period old. When
 * the database cannot be reached the buckets go on refilling locally (each replica then admits its own full
 * allowance) and meet only once a period until it answers again.
 */
public final class LedgerSync implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LedgerSync.class);
    /** How often budgets meet the ledger: the staleness of a replica's view of the others' usage. */
    public static final Duration PERIOD = Duration.ofMillis(250);

    private final ScheduledExecutorService timer;
    private final UsageLedger ledger;
    private final Supplier<? extends Collection<? extends UsageBudget>> budgets;
    private final long periodNanos;
    private long lastRound;
    private boolean failing;

    private LedgerSync(UsageLedger ledger, Supplier<? extends Collection<? extends UsageBudget>> budgets,
                       Duration period) {
        this.ledger = ledger;
        this.budgets = budgets;
        this.periodNanos = period.toNanos();
        this.lastRound = System.nanoTime() - periodNanos; // the first tick is a round
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "usage-ledger");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Meets the ledger now and then every {@code period}, with early meetings checked every tenth of it, on its own
     * thread, until closed.
     */
    public static LedgerSync start(UsageLedger ledger, Supplier<? extends Collection<? extends UsageBudget>> budgets,
                                   Duration period) {
        LedgerSync sync = new LedgerSync(ledger, budgets, period);
        long tick = Math.max(1, period.toNanos() / 10);
        sync.timer.scheduleWithFixedDelay(sync::tick, 0, tick, TimeUnit.NANOSECONDS);
        return sync;
    }

    /** A round when one is due, else the early meetings of buckets that spent half their share (none in an outage). */
    private void tick() {
        long now = System.nanoTime();
        boolean due = now - lastRound >= periodNanos;
        if (due) {
            lastRound = now;
        } else if (failing) {
            return;
        }
        meet(due);
    }

    /**
     * Every budget meets the ledger ({@code every}) or only its buckets that spent half their share; a failure is
     * logged once per outage and retried next round.
     */
    void meet(boolean every) {
        try {
            for (UsageBudget budget : budgets.get()) {
                budget.meet(ledger, every);
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
