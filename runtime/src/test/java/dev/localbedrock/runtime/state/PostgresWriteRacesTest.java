package dev.localbedrock.runtime.state;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Writes that check a count before they add to it, raced by two replicas' stores on one PostgreSQL database
 * (Debian's, on loopback) under its default read-committed isolation: each store's transactions run one at a time,
 * so only the lock the write takes keeps the two from counting the same rows and both passing the limit.
 */
class PostgresWriteRacesTest {
    private static final int RACERS = 8; // per replica
    @RegisterExtension
    static final SharedPostgres server = new SharedPostgres();

    /** Runs each task on its own thread, released together; returns how many succeeded. */
    private static int race(List<Callable<Boolean>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Boolean>> done = new ArrayList<>();
            for (Callable<Boolean> task : tasks) {
                done.add(pool.submit(() -> {
                    start.await();
                    return task.call();
                }));
            }
            start.countDown();
            int won = 0;
            for (Future<Boolean> f : done) {
                won += f.get(60, TimeUnit.SECONDS) ? 1 : 0;
            }
            return won;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void replicasTaggingOneResourceAtOnceStopAtFiftyTags() throws Exception {
        String url = server.newDatabase();
        String arn = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/racedracedra";
        try (StateStore a = StateStore.open(url); StateStore b = StateStore.open(url)) {
            Map<String, String> first = new java.util.HashMap<>();
            for (int i = 0; i < 45; i++) {
                first.put("k" + i, "v");
            }
            a.tags().tag(arn, first, 50);
            List<Callable<Boolean>> tasks = new ArrayList<>();
            for (int i = 0; i < 2 * RACERS; i++) {
                TagRepository tags = (i % 2 == 0 ? a : b).tags();
                String key = "raced" + i;
                tasks.add(() -> {
                    try {
                        tags.tag(arn, Map.of(key, "v"), 50);
                        return true;
                    } catch (TagLimitExceededException e) {
                        return false;
                    }
                });
            }
            assertEquals(5, race(tasks), "five of the new keys fit");
            assertEquals(50, b.tags().list(arn).size());
        }
    }

    @Test
    void replicasCreatingJobsAtOnceStartOnlyAsManyAsTheLimit() throws Exception {
        String url = server.newDatabase();
        JobLimits limits = new JobLimits(2, 10);
        try (StateStore a = StateStore.open(url); StateStore b = StateStore.open(url)) {
            List<Callable<Boolean>> tasks = new ArrayList<>();
            for (int i = 0; i < 2 * RACERS; i++) {
                CustomizationRepository jobs = (i % 2 == 0 ? a : b).customization();
                StoredCustomizationJob job = CustomizationRepositoryTest.job("arn:job/" + i, "job" + i, null);
                tasks.add(() -> {
                    try {
                        jobs.createJob(job, Map.of(), null, null, limits);
                        return true;
                    } catch (JobRefusedException e) {
                        assertEquals(JobRefusedException.Reason.ACTIVE_JOBS, e.reason());
                        return false;
                    }
                });
            }
            assertEquals(2, race(tasks), "two jobs in progress at most");
            assertEquals(2, b.customization().listJobs().size());

            // The custom model name of a job in progress is taken, whichever replica asks.
            StoredCustomizationJob sameModel = CustomizationRepositoryTest.job("arn:job/late", "late", null);
            StoredCustomizationJob running = a.customization().listJobs().get(0);
            StoredCustomizationJob renamed = new StoredCustomizationJob(sameModel.arn(), sameModel.name(),
                    sameModel.baseModelId(), sameModel.baseModelArn(), running.customModelName(), null,
                    sameModel.roleArn(), "InProgress", null, sameModel.hyperParameters(), sameModel.trainingS3Uri(),
                    null, sameModel.outputS3Uri(), null, Map.of(), null, List.of(), sameModel.createdAt(),
                    sameModel.lastModifiedAt(), null, null);
            JobRefusedException taken = assertThrows(JobRefusedException.class,
                    () -> b.customization().createJob(renamed, Map.of(), null, null, new JobLimits(10, 10)));
            assertEquals(JobRefusedException.Reason.MODEL_NAME_IN_USE, taken.reason());
        }
    }
}
