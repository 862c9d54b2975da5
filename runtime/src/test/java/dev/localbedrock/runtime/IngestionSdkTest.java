package dev.localbedrock.runtime;

import dev.localbedrock.knowledge.chunk.Chunk;
import dev.localbedrock.knowledge.chunk.Chunker;
import dev.localbedrock.runtime.embedding.EmbeddingWorker;
import dev.localbedrock.runtime.state.StoredDocument;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.bedrockagent.BedrockAgentClient;
import software.amazon.awssdk.services.bedrockagent.model.ConflictException;
import software.amazon.awssdk.services.bedrockagent.model.IngestionJob;
import software.amazon.awssdk.services.bedrockagent.model.IngestionJobStatistics;
import software.amazon.awssdk.services.bedrockagent.model.IngestionJobStatus;
import software.amazon.awssdk.services.bedrockagent.model.IngestionJobSummary;
import software.amazon.awssdk.services.bedrockagent.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrockagent.model.ValidationException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ingestion jobs through the real {@code BedrockAgentClient} (2.29.29) on the built-in MiniLM as Titan: documents
 * in five formats written to the local object folder, synced, changed, deleted and broken, with the statistics the
 * SDK reads.
 */
class IngestionSdkTest {
    @TempDir
    static Path workDir;
    static BedrockService service;
    static BedrockAgentClient agent;

    @BeforeAll
    static void start() throws Exception {
        service = KnowledgeFixtures.start(workDir);
        agent = TestServers.agentClient(service);
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.closeAll(agent, service);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void fiveFormatsAreIndexedThenAChangeAndADeletionAreSynced() throws Exception {
        String bucket = "manuals";
        KnowledgeFixtures.put(workDir, bucket, "notes.txt", utf8("The warranty covers the battery for one year."));
        KnowledgeFixtures.put(workDir, bucket, "guide.md", utf8("# Setup\n\nPlug the charger into the wall."));
        KnowledgeFixtures.put(workDir, bucket, "faq/page.html", KnowledgeFixtures.html("FAQ",
                "Returns are accepted within thirty days."));
        KnowledgeFixtures.put(workDir, bucket, "spec.pdf", KnowledgeFixtures.pdf("The screen is eleven inches."));
        KnowledgeFixtures.put(workDir, bucket, "policy.docx", KnowledgeFixtures.docx("Policy",
                "Repairs take five working days."));
        String kb = KnowledgeFixtures.knowledgeBase(agent, "formats");
        String ds = KnowledgeFixtures.dataSource(agent, kb, "manuals", bucket);

        IngestionJob first = KnowledgeFixtures.sync(agent, kb, ds);
        assertEquals(IngestionJobStatus.COMPLETE, first.status(), String.valueOf(first.failureReasons()));
        IngestionJobStatistics s = first.statistics();
        assertEquals(5, s.numberOfDocumentsScanned());
        assertEquals(5, s.numberOfNewDocumentsIndexed());
        assertEquals(0, s.numberOfModifiedDocumentsIndexed());
        assertEquals(0, s.numberOfDocumentsFailed(), String.valueOf(first.failureReasons()));
        assertEquals(kb, first.knowledgeBaseId());
        assertEquals(ds, first.dataSourceId());
        Map<String, List<String>> chunksBefore = chunkIds(ds);
        assertEquals(5, chunksBefore.size());

        IngestionJob unchanged = KnowledgeFixtures.sync(agent, kb, ds);
        assertEquals(5, unchanged.statistics().numberOfDocumentsScanned(), "unchanged documents are still scanned");
        assertEquals(0, unchanged.statistics().numberOfNewDocumentsIndexed());
        assertEquals(0, unchanged.statistics().numberOfModifiedDocumentsIndexed());

        KnowledgeFixtures.put(workDir, bucket, "notes.txt", utf8("The warranty now covers the battery for two"
                + " years and the screen for one."));
        IngestionJob second = KnowledgeFixtures.sync(agent, kb, ds);
        assertEquals(IngestionJobStatus.COMPLETE, second.status());
        assertEquals(5, second.statistics().numberOfDocumentsScanned());
        assertEquals(1, second.statistics().numberOfModifiedDocumentsIndexed());
        assertEquals(0, second.statistics().numberOfNewDocumentsIndexed());
        Map<String, List<String>> chunksAfter = chunkIds(ds);
        for (String key : List.of("guide.md", "faq/page.html", "spec.pdf", "policy.docx")) {
            assertEquals(chunksBefore.get(key), chunksAfter.get(key), key + " kept its chunks");
        }

        KnowledgeFixtures.delete(workDir, bucket, "guide.md");
        IngestionJob third = KnowledgeFixtures.sync(agent, kb, ds);
        assertEquals(4, third.statistics().numberOfDocumentsScanned());
        assertEquals(1, third.statistics().numberOfDocumentsDeleted());
        assertEquals(0, third.statistics().numberOfModifiedDocumentsIndexed());
        assertTrue(!chunkIds(ds).containsKey("guide.md"));
    }

    private static Map<String, List<String>> chunkIds(String ds) {
        return service.state().ingestionJobs().documents(ds).stream()
                .collect(Collectors.toMap(StoredDocument::key, StoredDocument::chunkIds));
    }

    @Test
    void aCorruptPdfFailsAloneWithItsUri() throws Exception {
        String bucket = "broken";
        KnowledgeFixtures.put(workDir, bucket, "good.txt", utf8("A perfectly readable note."));
        KnowledgeFixtures.put(workDir, bucket, "bad.pdf", utf8("%PDF-1.7\nthis is not really a pdf at all"));
        String kb = KnowledgeFixtures.knowledgeBase(agent, "corrupt");
        String ds = KnowledgeFixtures.dataSource(agent, kb, "broken", bucket);

        IngestionJob job = KnowledgeFixtures.sync(agent, kb, ds);
        assertEquals(IngestionJobStatus.COMPLETE, job.status(), "one bad file does not fail the job");
        assertEquals(2, job.statistics().numberOfDocumentsScanned());
        assertEquals(1, job.statistics().numberOfNewDocumentsIndexed());
        assertEquals(1, job.statistics().numberOfDocumentsFailed());
        assertEquals(1, job.failureReasons().size(), job.failureReasons().toString());
        assertTrue(job.failureReasons().get(0).startsWith("s3://broken/bad.pdf: "), job.failureReasons().get(0));

        // ListIngestionJobs: newest first, and a status filter.
        IngestionJob again = KnowledgeFixtures.sync(agent, kb, ds);
        assertEquals(1, again.statistics().numberOfDocumentsFailed(), "a failed document is tried again");
        List<IngestionJobSummary> newestFirst = agent.listIngestionJobs(b -> b.knowledgeBaseId(kb).dataSourceId(ds)
                .sortBy(o -> o.attribute("STARTED_AT").order("DESCENDING"))
                .filters(f -> f.attribute("STATUS").operator("EQ").values("COMPLETE"))).ingestionJobSummaries();
        assertEquals(List.of(again.ingestionJobId(), job.ingestionJobId()),
                newestFirst.stream().map(IngestionJobSummary::ingestionJobId).toList());
        assertEquals(1, newestFirst.get(0).statistics().numberOfDocumentsFailed());
        assertEquals(List.of(), agent.listIngestionJobs(b -> b.knowledgeBaseId(kb).dataSourceId(ds)
                .filters(f -> f.attribute("STATUS").operator("EQ").values("FAILED"))).ingestionJobSummaries());
        ValidationException badSort = assertThrows(ValidationException.class, () -> agent.listIngestionJobs(b -> b
                .knowledgeBaseId(kb).dataSourceId(ds).sortBy(o -> o.attribute("NAME").order("DESCENDING"))));
        assertTrue(badSort.getMessage().contains("sortBy.attribute"), badSort.getMessage());
        assertThrows(ResourceNotFoundException.class, () -> agent.getIngestionJob(b -> b.knowledgeBaseId(kb)
                .dataSourceId(ds).ingestionJobId("ABCDEFGHIJ")));
    }

    @Test
    void aSecondStartConflictsAndStopEndsTheJobThenASyncResumes() throws Exception {
        String bucket = "many";
        int documents = 100;
        for (int i = 0; i < documents; i++) {
            KnowledgeFixtures.put(workDir, bucket, "doc-%03d.txt".formatted(i), utf8("Document number " + i
                    + " describes part " + (i * 7919 % 1000) + " of the catalogue."));
        }
        String kb = KnowledgeFixtures.knowledgeBase(agent, "stopping");
        String ds = KnowledgeFixtures.dataSource(agent, kb, "many", bucket);
        IngestionJob running = agent.startIngestionJob(b -> b.knowledgeBaseId(kb).dataSourceId(ds)
                .description("first pass")).ingestionJob();
        assertEquals(IngestionJobStatus.STARTING, running.status());
        assertEquals("first pass", running.description());
        assertThrows(ConflictException.class, () -> agent.startIngestionJob(b -> b.knowledgeBaseId(kb)
                .dataSourceId(ds)));
        IngestionJob stopping = agent.stopIngestionJob(b -> b.knowledgeBaseId(kb).dataSourceId(ds)
                .ingestionJobId(running.ingestionJobId())).ingestionJob();
        assertEquals(IngestionJobStatus.STOPPING, stopping.status());
        IngestionJob stopped = KnowledgeFixtures.untilDone(agent, kb, ds, running.ingestionJobId());
        assertEquals(IngestionJobStatus.STOPPED, stopped.status());
        long indexed = stopped.statistics().numberOfNewDocumentsIndexed();
        assertTrue(indexed < documents, "stopped before the end: " + indexed);
        assertThrows(ConflictException.class, () -> agent.stopIngestionJob(b -> b.knowledgeBaseId(kb)
                .dataSourceId(ds).ingestionJobId(running.ingestionJobId())), "a stopped job cannot be stopped");

        IngestionJob rest = KnowledgeFixtures.sync(agent, kb, ds);
        assertEquals(IngestionJobStatus.COMPLETE, rest.status());
        assertEquals(documents, rest.statistics().numberOfDocumentsScanned());
        assertEquals(documents - indexed, rest.statistics().numberOfNewDocumentsIndexed(),
                "what the stopped job indexed is not indexed again");
    }

    @Test
    void chunksCutByMiniLmsOwnTokenizerStayWithin200Tokens() {
        EmbeddingWorker worker = ((ServedModel.Embedding) service.registry().directory()
                .resolve(TestServers.TITAN_EMBED_ID).model()).worker();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 120; i++) {
            text.append("Sentence ").append(i).append(" mentions the Zorblat reactor, its coolant loop and")
                    .append(i % 3 == 0 ? " unpronounceable identifiers like QX-77b/θ-δ.\n\n" : " its operators. ");
        }
        List<Chunk> chunks = Chunker.defaults(worker::countTokens).chunk(text.toString());
        assertTrue(chunks.size() > 5, "a long text is cut: " + chunks.size());
        for (Chunk c : chunks) {
            int tokens = worker.countTokens(c.text());
            assertTrue(tokens <= 200, "chunk " + c.ordinal() + " has " + tokens + " tokens");
        }
        Function<Chunk, Integer> count = c -> worker.countTokens(c.text());
        assertNotEquals(0, chunks.stream().map(count).filter(t -> t > 150).count(), "chunks are filled, not tiny");
    }
}
