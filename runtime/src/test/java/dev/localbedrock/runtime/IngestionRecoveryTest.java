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

/** A job a stop of the server interrupted is FAILED when it starts again, and a new job finishes the sync. */
class IngestionRecoveryTest {
    @TempDir
    Path workDir;

    @Test
    void aJobLeftInProgressIsFailedAtTheNextStart() throws Exception {
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
            IngestionJob job = agent.getIngestionJob(b -> b.knowledgeBaseId(kb).dataSourceId(ds)
                    .ingestionJobId(jobId)).ingestionJob();
            assertEquals(IngestionJobStatus.FAILED, job.status());
            assertTrue(job.failureReasons().get(0).contains("server stopped"), job.failureReasons().toString());
            IngestionJob next = KnowledgeFixtures.sync(agent, kb, ds);
            assertEquals(IngestionJobStatus.COMPLETE, next.status(), "the data source is free again");
            assertEquals(1, next.statistics().numberOfNewDocumentsIndexed());
        }
    }
}
