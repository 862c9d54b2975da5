package dev.localbedrock.runtime;

import dev.localbedrock.runtime.state.StoredIngestionJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.bedrockagent.BedrockAgentClient;
import software.amazon.awssdk.services.bedrockagent.model.IngestionJob;
import software.amazon.awssdk.services.bedrockagent.model.IngestionJobStatus;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A job a stop of the server interrupted is taken over when it starts again: synced to the end (its lease, none
 * here as in a pre-V8 row, is free), and the data source is free again for a next job, which finds nothing new.
 */
class IngestionRecoveryTest {
    @TempDir
    Path workDir;

    @Test
    void aJobLeftInProgressIsResumedAtTheNextStart() throws Exception {
        KnowledgeFixtures.put(workDir, "docs", "a.txt", "Alpha document.".getBytes(StandardCharsets.UTF_8));
        String kb;
        String ds;
        String jobId = "INTERRUPT1";
        try (BedrockService service = KnowledgeFixtures.start(workDir);
             BedrockAgentClient agent = TestServers.agentClient(service)) {
            kb = KnowledgeFixtures.knowledgeBase(agent, "recovering");
            ds = KnowledgeFixtures.dataSource(agent, kb, "docs", "docs");
            // What a crash mid-job leaves: the row says IN_PROGRESS (no thread runs it any more).
            Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            service.state().ingestionJobs().create(new StoredIngestionJob(jobId, kb, ds, "IN_PROGRESS", null,
                    Map.of("numberOfDocumentsScanned", 0L), List.of(), at, at, null));
        }
        try (BedrockService service = KnowledgeFixtures.start(workDir);
             BedrockAgentClient agent = TestServers.agentClient(service)) {
            IngestionJob job = KnowledgeFixtures.untilDone(agent, kb, ds, jobId);
            assertEquals(IngestionJobStatus.COMPLETE, job.status(), job.toString());
            assertEquals(1, job.statistics().numberOfNewDocumentsIndexed(), "the resumed job did the sync");
            assertTrue(job.failureReasons().isEmpty(), job.failureReasons().toString());
            assertEquals(java.util.Optional.of(dev.localbedrock.runtime.state.JobLeases.PROCESS_OWNER),
                    service.state().ingestionJobs().lease(jobId).map(l -> l.owner()), "this server ran it");
            IngestionJob next = KnowledgeFixtures.sync(agent, kb, ds);
            assertEquals(IngestionJobStatus.COMPLETE, next.status(), "the data source is free again");
            assertEquals(0, next.statistics().numberOfNewDocumentsIndexed(), "already indexed by the resumed job");
        }
    }
}
