package dev.localbedrock.runtime.customization;

import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.TestServers;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import dev.localbedrock.runtime.cli.InProcessCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.CreateModelCustomizationJobRequest;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bedrock-runtime jobs watch|list} against a running server: a job watched to Completed (exit 0, its progress
 * lines, the custom model), Failed (exit 1 with the guide's message), Stopped (exit 3), an unknown job (exit 4), and
 * the list.
 */
class JobsCliTest {
    @TempDir
    Path workDir;

    private static CreateModelCustomizationJobRequest job(String name, String training, Map<String, String> hyper) {
        return CreateModelCustomizationJobRequest.builder().jobName(name).customModelName(name + "-model")
                .roleArn("arn:aws:iam::000000000000:role/R").baseModelIdentifier(FineTuningJobsSdkTest.TITAN)
                .hyperParameters(hyper).trainingDataConfig(t -> t.s3Uri(training))
                .outputDataConfig(o -> o.s3Uri("s3://out-bucket/runs")).build();
    }

    private static InProcessCli.Run watch(BedrockService service, String job) {
        return InProcessCli.run("jobs", "watch", job, "--interval-seconds", "0.05",
                "--endpoint", "http://127.0.0.1:" + service.address().getPort());
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void watchFollowsAJobToItsEndAndExitsWithItsOutcome() throws Exception {
        FineTuningJobsSdkTest.putObject(workDir, "data", "train.jsonl", FineTuningJobsSdkTest.dataset(16));
        try (BedrockService service = BedrockService.start(CatalogLoader.load(FineTuningJobsSdkTest.catalogue(
                workDir, "  max_concurrent_jobs: 1\n")));
             BedrockClient cp = TestServers.controlPlaneClient(service)) {
            // 2 epochs of 16 steps: long enough that polls every 50 ms see it train.
            String arn = cp.createModelCustomizationJob(job("colours", "s3://data/train.jsonl",
                    Map.of("epochCount", "2", "batchSize", "1", "learningRate", "0.001"))).jobArn();
            InProcessCli.Run done = watch(service, arn);
            assertEquals(0, done.exit(), done.out() + done.err());
            List<String> lines = Arrays.asList(done.out().split("\n"));
            // Not a terminal here: one line per change, never a carriage return.
            assertTrue(lines.stream().noneMatch(l -> l.contains("\r")), done.out());
            assertTrue(lines.stream().anyMatch(l -> l.matches("colours InProgress \\[[#.]{24}] +\\d+% epoch [12]/2"
                    + " step \\d+/32 loss \\d+\\.\\d{4} \\d+ tok/s ETA \\d+:\\d\\d")), done.out());
            String customModel = cp.getModelCustomizationJob(r -> r.jobIdentifier(arn)).outputModelArn();
            assertTrue(lines.get(lines.size() - 2).matches("colours Completed \\[#{24}] 100% epoch 2/2 step 32/32"
                    + " training loss \\d+\\.\\d{4}"), done.out());
            assertEquals("custom model: " + customModel, lines.get(lines.size() - 1));

            cp.createModelCustomizationJob(job("broken", "s3://data/missing.jsonl", Map.of()));
            InProcessCli.Run failed = watch(service, "broken");
            assertEquals(1, failed.exit(), failed.out() + failed.err());
            assertTrue(failed.err().contains("error: job broken failed: Could not validate GetObject permissions to"
                    + " access Amazon S3 bucket: data at key missing.jsonl"), failed.err());

            String longArn = cp.createModelCustomizationJob(job("long", "s3://data/train.jsonl",
                    Map.of("epochCount", "10", "batchSize", "1"))).jobArn();
            cp.stopModelCustomizationJob(r -> r.jobIdentifier(longArn));
            InProcessCli.Run stopped = watch(service, longArn);
            assertEquals(3, stopped.exit(), stopped.out() + stopped.err());
            assertTrue(stopped.out().contains("long Stopped"), stopped.out());

            InProcessCli.Run unknown = watch(service, "no-such-job");
            assertEquals(4, unknown.exit());
            assertTrue(unknown.err().contains("404 ResourceNotFoundException")
                    && unknown.err().contains("no-such-job"), unknown.err());

            InProcessCli.Run list = InProcessCli.run("jobs", "list",
                    "--endpoint", "http://127.0.0.1:" + service.address().getPort());
            assertEquals(0, list.exit(), list.err());
            List<String> rows = Arrays.asList(list.out().split("\n"));
            assertEquals(4, rows.size(), list.out());
            assertTrue(rows.get(1).startsWith("colours") && rows.get(1).contains("Completed")
                    && rows.get(1).endsWith(customModel), list.out());
            assertTrue(rows.get(2).startsWith("broken") && rows.get(2).contains("Failed"), list.out());
            assertTrue(rows.get(3).startsWith("long") && rows.get(3).contains("Stopped"), list.out());
            InProcessCli.Run onlyFailed = InProcessCli.run("jobs", "list", "--status", "Failed",
                    "--endpoint", "http://127.0.0.1:" + service.address().getPort());
            assertEquals(2, onlyFailed.out().split("\n").length, onlyFailed.out());
        }
    }
}
