package dev.localbedrock.runtime.robustness;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The test JVM's memory as the operating system sees it (VmRSS: heap, native tensors, direct buffers, code) and as
 * the heap sees it after a collection. RSS is what a leak of native tensors or KV buffers would grow; the heap figure
 * separates a Java-side leak from the JVM merely keeping the heap it once grew to.
 */
record ResidentMemory(long rssKiB, long heapUsedKiB) {

    /** Collects (so the heap figure is what is reachable), then samples; RSS is -1 where /proc is unavailable. */
    static ResidentMemory sample() throws InterruptedException {
        for (int i = 0; i < 2; i++) {
            System.gc();
            Thread.sleep(50);
        }
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return new ResidentMemory(readRssKiB(), heap.getUsed() / 1024);
    }

    /** VmRSS now, in KiB, without collecting first (cheap enough to sample under load); -1 without /proc. */
    static long rssNowKiB() {
        return readRssKiB();
    }

    private static long readRssKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: report -1
        }
        return -1;
    }

    @Override
    public String toString() {
        return "RSS " + rssKiB / 1024 + " MiB, heap used " + heapUsedKiB / 1024 + " MiB";
    }
}
