package dev.localbedrock.engines.pytorch;

import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A trainer's thread count stays on its thread: serving threads already running and threads started later keep the
 * process's count (libtorch keeps the count per thread and copies a process default at a thread's first call).
 */
class PtThreadsTest {
    private static int onNewThread() throws Exception {
        return CompletableFuture.supplyAsync(JniUtils::getNumThreads, r -> new Thread(r).start()).get();
    }

    @Test
    void onlyTheCallingThreadGetsTheCount() throws Exception {
        PtRuntime.applyIntraOpThreads(2);
        assertEquals(2, onNewThread(), "the process default");

        CountDownLatch trainerDone = new CountDownLatch(1);
        CompletableFuture<int[]> serving = CompletableFuture.supplyAsync(() -> {
            int before = JniUtils.getNumThreads();
            try {
                trainerDone.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return new int[] {before, JniUtils.getNumThreads()};
        }, r -> new Thread(r).start());

        int trainer = CompletableFuture.supplyAsync(() -> {
            PtRuntime.applyIntraOpThreadsToThisThread(1);
            return JniUtils.getNumThreads();
        }, r -> new Thread(r).start()).get();
        trainerDone.countDown();

        assertEquals(1, trainer, "the trainer's thread");
        int[] s = serving.get();
        assertEquals(2, s[0]);
        assertEquals(2, s[1], "a running serving thread keeps its count");
        assertEquals(2, onNewThread(), "a thread started after the trainer gets the process default");
        assertEquals(2, JniUtils.getNumThreads(), "this thread too");
    }
}
