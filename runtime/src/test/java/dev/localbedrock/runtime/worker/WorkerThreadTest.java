package dev.localbedrock.runtime.worker;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkerThreadTest {

    /** A loop that parks until told something, recording how it ended. */
    private static WorkerThread worker(AtomicReference<String> ended, boolean finishesOnClose, boolean hearsAbort) {
        AtomicReference<WorkerThread> self = new AtomicReference<>();
        WorkerThread thread = new WorkerThread("test-worker", () -> {
            while (true) {
                WorkerThread me = self.get();
                if (hearsAbort && me.aborting()) {
                    ended.set("aborted");
                    return;
                }
                if (finishesOnClose && me.closing()) {
                    ended.set("closed");
                    return;
                }
                if (Thread.currentThread().isInterrupted()) {
                    ended.set("interrupted");
                    return;
                }
                LockSupport.parkNanos(me, 50_000_000L);
            }
        }, 200);
        self.set(thread);
        return thread.start();
    }

    @Test
    void aLoopThatFinishesWhenClosedStopsWithinTheGracePeriod() {
        AtomicReference<String> ended = new AtomicReference<>();
        WorkerThread thread = worker(ended, true, true);
        assertFalse(thread.closing());
        assertTrue(thread.stop(10_000));
        assertEquals("closed", ended.get(), "closing wakes the parked loop; it never needed the abort");
        assertFalse(thread.aborting());
        assertFalse(thread.isAlive());
    }

    @Test
    void aLoopStillBusyAfterTheGracePeriodIsAborted() {
        AtomicReference<String> ended = new AtomicReference<>();
        WorkerThread thread = worker(ended, false, true);
        assertTrue(thread.stop(1));
        assertEquals("aborted", ended.get());
        assertTrue(thread.closing() && thread.aborting());
    }

    @Test
    void aLoopDeafToBothIsInterruptedAndReportedAsNotStopped() throws InterruptedException {
        AtomicReference<String> ended = new AtomicReference<>();
        WorkerThread thread = worker(ended, false, false);
        // Waits the abort period (here 200 ms) before interrupting.
        assertFalse(thread.stop(1));
        for (int i = 0; i < 100 && thread.isAlive(); i++) {
            Thread.sleep(50);
        }
        assertEquals("interrupted", ended.get());
    }
}
