package dev.localbedrock.benchmarks.load;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Drives a {@link LoadTarget} with N closed-loop clients: each client thread sends a request, waits for its end, and
 * sends the next, until the level's request budget is used or its time is up. Warm-up requests run first, one at a
 * time, and are not measured.
 */
public final class LoadRunner {
    private LoadRunner() {
    }

    /** Runs one concurrency level. */
    public static RunResult run(LoadTarget target, int concurrency, Workload w) throws Exception {
        target.prepare(concurrency, w);
        for (int i = 0; i < w.warmup(); i++) {
            RequestSample s = new RequestSample(System.nanoTime());
            target.run(w, s);
        }
        AtomicInteger issued = new AtomicInteger();
        List<RequestSample> samples = Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();
        long deadline = start + w.maxDuration().toNanos();
        CountDownLatch done = new CountDownLatch(concurrency);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < concurrency; c++) {
            Thread t = new Thread(() -> {
                try {
                    while (issued.getAndIncrement() < w.requests() && System.nanoTime() < deadline) {
                        RequestSample s = new RequestSample(System.nanoTime());
                        try {
                            target.run(w, s);
                        } catch (RuntimeException e) {
                            s.fail(e.toString());
                            s.end(System.nanoTime());
                        }
                        samples.add(s);
                    }
                } finally {
                    done.countDown();
                }
            }, "load-client-" + c);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        done.await();
        long end = System.nanoTime();
        List<RequestSample> copy;
        synchronized (samples) {
            copy = new ArrayList<>(samples);
        }
        return RunResult.of(target.name(), concurrency, w, copy, start, end);
    }
}
