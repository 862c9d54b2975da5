package dev.localbedrock.runtime;

import dev.localbedrock.runtime.catalog.CatalogLoader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.poi.xwpf.usermodel.XWPFDocument;
import software.amazon.awssdk.services.bedrockagent.BedrockAgentClient;
import software.amazon.awssdk.services.bedrockagent.model.IngestionJob;
import software.amazon.awssdk.services.bedrockagent.model.IngestionJobStatus;
import software.amazon.awssdk.services.bedrockagent.model.KnowledgeBaseStatus;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A server for knowledge-base tests: the built-in all-MiniLM-L6-v2 as Titan Embeddings, objects as files under
 * {@code workDir/objects} ({@code storage.local_dir}, so {@code s3://B/K} is {@code objects/B/K}) and the embedded
 * vector store in {@code workDir/vectors}; plus documents in the formats ingestion reads, written here.
 */
final class KnowledgeFixtures {
    private KnowledgeFixtures() {
    }

    static BedrockService start(Path workDir) throws IOException, InterruptedException {
        String yaml = """
                server:
                  host: 127.0.0.1
                  port: 0
                storage:
                  local_dir: objects
                vector_store:
                  kind: embedded
                  dir: vectors
                models:
                %s
                """.formatted(TestServers.miniLmAsTitan("").indent(2));
        Path file = workDir.resolve("models.yaml");
        Files.writeString(file, yaml);
        return BedrockService.start(CatalogLoader.load(file));
    }

    /** Writes {@code s3://bucket/key} into the local object folder. */
    static void put(Path workDir, String bucket, String key, byte[] content) throws IOException {
        Path file = workDir.resolve("objects").resolve(bucket).resolve(key);
        Files.createDirectories(file.getParent());
        Files.write(file, content);
    }

    static void delete(Path workDir, String bucket, String key) throws IOException {
        Files.delete(workDir.resolve("objects").resolve(bucket).resolve(key));
    }

    /** A knowledge base on Titan (MiniLM), once it is ACTIVE. */
    static String knowledgeBase(BedrockAgentClient agent, String name) throws InterruptedException {
        String id = agent.createKnowledgeBase(KnowledgeBaseSdkTest.kb(name, b -> { })).knowledgeBase()
                .knowledgeBaseId();
        assertEquals(KnowledgeBaseStatus.ACTIVE, KnowledgeBaseSdkTest.untilBuilt(agent, id).status());
        return id;
    }

    /** An S3 data source over the bucket (default chunking). */
    static String dataSource(BedrockAgentClient agent, String kbId, String name, String bucket) {
        return agent.createDataSource(b -> b.knowledgeBaseId(kbId).name(name).dataSourceConfiguration(d -> d
                .type("S3").s3Configuration(s -> s.bucketArn("arn:aws:s3:::" + bucket)))).dataSource()
                .dataSourceId();
    }

    /** Starts an ingestion job and reads it until it ends. */
    static IngestionJob sync(BedrockAgentClient agent, String kbId, String dsId) throws InterruptedException {
        String jobId = agent.startIngestionJob(b -> b.knowledgeBaseId(kbId).dataSourceId(dsId)).ingestionJob()
                .ingestionJobId();
        return untilDone(agent, kbId, dsId, jobId);
    }

    static IngestionJob untilDone(BedrockAgentClient agent, String kbId, String dsId, String jobId)
            throws InterruptedException {
        for (int i = 0; i < 1200; i++) {
            IngestionJob job = agent.getIngestionJob(b -> b.knowledgeBaseId(kbId).dataSourceId(dsId)
                    .ingestionJobId(jobId)).ingestionJob();
            if (job.status() == IngestionJobStatus.COMPLETE || job.status() == IngestionJobStatus.FAILED
                    || job.status() == IngestionJobStatus.STOPPED) {
                return job;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("ingestion job " + jobId + " did not finish");
    }

    static byte[] html(String title, String body) {
        return ("<!doctype html><html><head><title>" + title + "</title><script>var x = 1;</script></head><body>"
                + "<nav>Home | About</nav><h1>" + title + "</h1><p>" + body + "</p></body></html>")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    static byte[] pdf(String text) throws IOException {
        try (PDDocument document = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            PDPage page = new PDPage();
            document.addPage(page);
            try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                content.beginText();
                content.setFont(new PDType1Font(Standard14Fonts.FontName.TIMES_ROMAN), 12);
                content.newLineAtOffset(72, 700);
                content.showText(text);
                content.endText();
            }
            document.save(out);
            return out.toByteArray();
        }
    }

    static byte[] docx(String heading, String body) throws IOException {
        try (XWPFDocument document = new XWPFDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            document.createParagraph().createRun().setText(heading);
            document.createParagraph().createRun().setText(body);
            document.write(out);
            return out.toByteArray();
        }
    }
}
