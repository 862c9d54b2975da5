package dev.localbedrock.benchmarks.bandwidth;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

/**
 * A STREAM-like memory-bandwidth probe in plain Java: arrays far larger than the caches, split across threads, each
 * kernel repeated and the best pass kept. {@code read} sums a {@code long[]} (4 accumulators, so the JIT can
 * vectorise), {@code write} fills it, {@code copy} is {@link System#arraycopy} between two arrays and counts bytes
 * read plus bytes written, as STREAM does.
 *
 * <p>Batch-1 decoding of a dense model reads every weight once per token, so {@code read GB/s ÷ weight bytes} is the
 * upper bound of single-stream tokens/s; a measured decode rate divided by that bound is the fraction of bandwidth it
 * reaches.
 */
public final class BandwidthProbe {
    private BandwidthProbe() {
    }

    /**
     * Best GB/s (10^9 bytes per second) of each kernel.
     *
     * @param threads    worker threads
     * @param arrayBytes bytes per array
     * @param passes     passes per kernel (the first is warm-up and page-touching)
     */
    public record Result(int threads, long arrayBytes, int passes, double readGBps, double writeGBps,
                         double copyGBps) {
        /** Tokens/s bound of batch-1 decoding when each token reads {@code bytesPerToken} bytes. */
        public double decodeBound(long bytesPerToken) {
            return readGBps * 1e9 / bytesPerToken;
        }
    }

    public static Result run(int threads, long arrayBytes, int passes) {
        if (threads <= 0 || passes <= 0 || arrayBytes < 8L * threads) {
            throw new IllegalArgumentException("threads and passes must be positive and arrays hold at least one"
                    + " long per thread");
        }
        int n = Math.toIntExact(arrayBytes / 8);
        long[] a = new long[n];
        long[] b = new long[n];
        // slices per thread
        int[] from = new int[threads + 1];
        for (int t = 0; t <= threads; t++) {
            from[t] = (int) ((long) n * t / threads);
        }
        AtomicLong sink = new AtomicLong();
        long bytes = 8L * n;
        // touch every page (and give the JIT a first look) before timing
        parallel(threads, t -> Arrays.fill(a, from[t], from[t + 1], t + 1L));
        parallel(threads, t -> Arrays.fill(b, from[t], from[t + 1], 0L));

        double read = 0;
        double write = 0;
        double copy = 0;
        for (int p = 0; p < passes + 1; p++) {
            long t0 = System.nanoTime();
            parallel(threads, t -> sink.addAndGet(sum(a, from[t], from[t + 1])));
            long t1 = System.nanoTime();
            parallel(threads, t -> Arrays.fill(b, from[t], from[t + 1], p2(t)));
            long t2 = System.nanoTime();
            parallel(threads, t -> System.arraycopy(a, from[t], b, from[t], from[t + 1] - from[t]));
            long t3 = System.nanoTime();
            if (p == 0) {
                continue; // warm-up pass
            }
            read = Math.max(read, bytes / (double) (t1 - t0));
            write = Math.max(write, bytes / (double) (t2 - t1));
            copy = Math.max(copy, 2.0 * bytes / (t3 - t2));
        }
        if (sink.get() == 42) {
            System.out.print(""); // keep the sums alive
        }
        return new Result(threads, bytes, passes, read, write, copy);
    }

    private static long p2(int t) {
        return t * 2L + 1;
    }

    static long sum(long[] a, int from, int to) {
        long s0 = 0;
        long s1 = 0;
        long s2 = 0;
        long s3 = 0;
        int i = from;
        for (; i + 3 < to; i += 4) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
        }
        for (; i < to; i++) {
            s0 += a[i];
        }
        return s0 + s1 + s2 + s3;
    }

    /** Runs {@code body(t)} for t in [0, threads) on fresh threads released together; returns when all are done. */
    private static void parallel(int threads, IntConsumer body) {
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> ts = new ArrayList<>();
        Throwable[] failure = new Throwable[1];
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    body.accept(id);
                } catch (InterruptedException | BrokenBarrierException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException | Error e) {
                    failure[0] = e;
                }
            }, "bandwidth-" + t);
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) {
            try {
                th.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        if (failure[0] != null) {
            throw new IllegalStateException("bandwidth kernel failed", failure[0]);
        }
    }
}
