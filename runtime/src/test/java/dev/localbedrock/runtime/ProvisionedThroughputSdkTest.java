package dev.localbedrock.runtime;

import dev.localbedrock.runtime.catalog.CatalogLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.ConflictException;
import software.amazon.awssdk.services.bedrock.model.GetProvisionedModelThroughputResponse;
import software.amazon.awssdk.services.bedrock.model.ListProvisionedModelThroughputsResponse;
import software.amazon.awssdk.services.bedrock.model.ProvisionedModelStatus;
import software.amazon.awssdk.services.bedrock.model.ProvisionedModelSummary;
import software.amazon.awssdk.services.bedrock.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrock.model.Tag;
import software.amazon.awssdk.services.bedrock.model.TooManyTagsException;
import software.amazon.awssdk.services.bedrock.model.ValidationException;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Provisioned throughput through the real BedrockClient (Create 201, Get, List with filters and pagination, Delete,
 * idempotency, errors), invoked through BedrockRuntimeClient by its ARN and name, and kept across a restart.
 */
class ProvisionedThroughputSdkTest {
    private static final String BODY = "{\"prompt\":\"Hello\",\"max_gen_len\":2}";

    @TempDir
    Path workDir;

    private BedrockService start() throws Exception {
        Path yaml = TestServers.writeTinyLlamaCatalogue(workDir, "pytorch", "", "max_context_tokens: 64\n", "");
        return BedrockService.start(CatalogLoader.load(yaml));
    }

    private static BedrockClient bedrock(BedrockService service) {
        return TestServers.controlPlaneClient(service);
    }

    private static void invoke(BedrockRuntimeClient client, String id) {
        client.invokeModel(r -> r.modelId(id).body(SdkBytes.fromUtf8String(BODY)));
    }

    @Test
    void createGetListInvokeDeleteAndSurviveARestart() throws Exception {
        String arn;
        try (BedrockService service = start(); BedrockClient cp = bedrock(service);
             BedrockRuntimeClient runtime = TestServers.syncClient(service)) {
            Instant before = Instant.now().minusSeconds(1);
            arn = cp.createProvisionedModelThroughput(r -> r.provisionedModelName("team-a").modelId(TestServers.LLAMA_ID)
                    .modelUnits(1).clientRequestToken("token-1")).provisionedModelArn();
            assertTrue(arn.matches("arn:aws:bedrock:us-east-1:\\d{12}:provisioned-model/[a-z0-9]{12}"), arn);
            assertEquals(arn, cp.createProvisionedModelThroughput(r -> r.provisionedModelName("team-a")
                    .modelId(TestServers.LLAMA_ID).modelUnits(1).clientRequestToken("token-1"))
                    .provisionedModelArn(), "the same client request token creates nothing new");
            assertThrows(ConflictException.class, () -> cp.createProvisionedModelThroughput(r -> r
                    .provisionedModelName("team-a").modelId(TestServers.LLAMA_ID).modelUnits(1)));
            assertThrows(ResourceNotFoundException.class, () -> cp.createProvisionedModelThroughput(r -> r
                    .provisionedModelName("team-x").modelId("meta.no-such-model-v1").modelUnits(1)));
            assertThrows(ValidationException.class, () -> cp.createProvisionedModelThroughput(r -> r
                    .provisionedModelName("team-y").modelId(TestServers.LLAMA_ID).modelUnits(1)
                    .commitmentDuration("TwoYears")));
            String committed = cp.createProvisionedModelThroughput(r -> r.provisionedModelName("team-b")
                    .modelId(TestServers.LLAMA_ID).modelUnits(2).commitmentDuration("OneMonth"))
                    .provisionedModelArn();

            GetProvisionedModelThroughputResponse got = cp.getProvisionedModelThroughput(r -> r
                    .provisionedModelId("team-a"));
            assertEquals(arn, got.provisionedModelArn());
            assertEquals(ProvisionedModelStatus.IN_SERVICE, got.status());
            assertEquals(1, got.modelUnits());
            assertEquals("arn:aws:bedrock:us-east-1::foundation-model/" + TestServers.LLAMA_ID, got.modelArn());
            assertTrue(!got.creationTime().isBefore(before), "ISO-8601 timestamps parse: " + got.creationTime());
            GetProvisionedModelThroughputResponse byArn = cp.getProvisionedModelThroughput(r -> r
                    .provisionedModelId(arn));
            assertEquals(List.of(got.provisionedModelName(), got.creationTime()),
                    List.of(byArn.provisionedModelName(), byArn.creationTime()), "by name or by ARN");
            assertThrows(ResourceNotFoundException.class,
                    () -> cp.getProvisionedModelThroughput(r -> r.provisionedModelId("nobody")));

            ListProvisionedModelThroughputsResponse page1 = cp.listProvisionedModelThroughputs(r -> r.maxResults(1));
            assertEquals(1, page1.provisionedModelSummaries().size());
            assertNotNull(page1.nextToken());
            ListProvisionedModelThroughputsResponse page2 = cp.listProvisionedModelThroughputs(r -> r.maxResults(1)
                    .nextToken(page1.nextToken()));
            assertEquals(List.of("team-a", "team-b"), List.of(page1.provisionedModelSummaries().get(0)
                    .provisionedModelName(), page2.provisionedModelSummaries().get(0).provisionedModelName()));
            assertEquals(null, page2.nextToken());
            assertEquals(List.of("team-a", "team-b"), cp.listProvisionedModelThroughputs(r -> r
                    .creationTimeAfter(before).creationTimeBefore(Instant.now().plusSeconds(60)))
                    .provisionedModelSummaries().stream().map(ProvisionedModelSummary::provisionedModelName).toList());
            assertEquals(List.of(), cp.listProvisionedModelThroughputs(r -> r.creationTimeBefore(before))
                    .provisionedModelSummaries(), "created after 'before'");
            assertEquals(List.of("team-b", "team-a"), cp.listProvisionedModelThroughputs(r -> r
                    .sortBy("CreationTime").sortOrder("Descending")).provisionedModelSummaries().stream()
                    .map(ProvisionedModelSummary::provisionedModelName).toList());
            assertEquals(List.of("team-b"), cp.listProvisionedModelThroughputs(r -> r.nameContains("-b"))
                    .provisionedModelSummaries().stream().map(ProvisionedModelSummary::provisionedModelName).toList());

            invoke(runtime, arn);
            invoke(runtime, "team-a");
            assertThrows(ConflictException.class,
                    () -> cp.deleteProvisionedModelThroughput(r -> r.provisionedModelId(committed)),
                    "a commitment term forbids deletion");
        }
        try (BedrockService service = start(); BedrockClient cp = bedrock(service);
             BedrockRuntimeClient runtime = TestServers.syncClient(service)) {
            invoke(runtime, arn); // registered again from the durable state
            cp.deleteProvisionedModelThroughput(r -> r.provisionedModelId(arn));
            assertThrows(software.amazon.awssdk.services.bedrockruntime.model.ResourceNotFoundException.class,
                    () -> invoke(runtime, arn));
            assertThrows(software.amazon.awssdk.services.bedrockruntime.model.ResourceNotFoundException.class,
                    () -> invoke(runtime, "team-a"), "the name no longer resolves either");
        }
    }

    @Test
    void tagsOnProvisionedModelsWithTheAwsLimits() throws Exception {
        try (BedrockService service = start(); BedrockClient cp = bedrock(service)) {
            String arn = cp.createProvisionedModelThroughput(r -> r.provisionedModelName("tagged")
                    .modelId(TestServers.LLAMA_ID).modelUnits(1).tags(Tag.builder().key("team").value("a").build()))
                    .provisionedModelArn();
            assertEquals(List.of("team=a"), tags(cp, arn));
            cp.tagResource(r -> r.resourceARN(arn).tags(Tag.builder().key("cost").value("42").build(),
                    Tag.builder().key("team").value("b").build()));
            assertEquals(List.of("cost=42", "team=b"), tags(cp, arn));
            cp.untagResource(r -> r.resourceARN(arn).tagKeys("cost", "absent"));
            assertEquals(List.of("team=b"), tags(cp, arn));

            assertThrows(ValidationException.class, () -> cp.tagResource(r -> r.resourceARN(arn)
                    .tags(Tag.builder().key("aws:owner").value("x").build())), "the aws: prefix is reserved");
            assertThrows(ValidationException.class, () -> cp.tagResource(r -> r.resourceARN(arn)
                    .tags(Tag.builder().key("k".repeat(129)).value("x").build())));
            List<Tag> fifty = new java.util.ArrayList<>();
            for (int i = 0; i < 50; i++) {
                fifty.add(Tag.builder().key("k" + i).value("v").build());
            }
            assertThrows(TooManyTagsException.class, () -> cp.tagResource(r -> r.resourceARN(arn).tags(fifty)),
                    "one tag already there plus 50 new ones");
            assertEquals(List.of("team=b"), tags(cp, arn), "a refused call writes nothing");
            assertThrows(ResourceNotFoundException.class, () -> cp.listTagsForResource(r -> r.resourceARN(
                    "arn:aws:bedrock:us-east-1:000000000000:provisioned-model/zzzzzzzzzzzz")));

            cp.deleteProvisionedModelThroughput(r -> r.provisionedModelId(arn));
            assertThrows(ResourceNotFoundException.class, () -> cp.listTagsForResource(r -> r.resourceARN(arn)));
        }
    }

    @Test
    void updateRenamesAndMovesOnlyWithinTheBaseModel() throws Exception {
        Path yaml = TestServers.writeTinyLlamaCatalogue(workDir, "pytorch", "", "max_context_tokens: 64\n",
                TestServers.miniLmAsTitan(""));
        try (BedrockService service = BedrockService.start(CatalogLoader.load(yaml)); BedrockClient cp =
                bedrock(service); BedrockRuntimeClient runtime = TestServers.syncClient(service)) {
            String arn = cp.createProvisionedModelThroughput(r -> r.provisionedModelName("before")
                    .modelId(TestServers.LLAMA_ID).modelUnits(1)).provisionedModelArn();
            cp.createProvisionedModelThroughput(r -> r.provisionedModelName("other").modelId(TestServers.LLAMA_ID)
                    .modelUnits(1));
            Instant created = cp.getProvisionedModelThroughput(r -> r.provisionedModelId(arn)).creationTime();

            cp.updateProvisionedModelThroughput(r -> r.provisionedModelId("before")
                    .desiredProvisionedModelName("after"));
            GetProvisionedModelThroughputResponse renamed = cp.getProvisionedModelThroughput(r -> r
                    .provisionedModelId(arn));
            assertEquals(List.of("after", ProvisionedModelStatus.IN_SERVICE, created),
                    List.of(renamed.provisionedModelName(), renamed.status(), renamed.creationTime()));
            assertTrue(!renamed.lastModifiedTime().isBefore(created));
            assertThrows(ResourceNotFoundException.class,
                    () -> cp.getProvisionedModelThroughput(r -> r.provisionedModelId("before")));
            assertThrows(software.amazon.awssdk.services.bedrockruntime.model.ResourceNotFoundException.class,
                    () -> invoke(runtime, "before"), "the old name stops resolving");
            invoke(runtime, "after");
            invoke(runtime, arn);

            // Back to its own base model, by id or by foundation-model ARN: allowed, nothing moves.
            cp.updateProvisionedModelThroughput(r -> r.provisionedModelId(arn).desiredModelId(
                    "arn:aws:bedrock:us-east-1::foundation-model/" + TestServers.LLAMA_ID));
            assertEquals("arn:aws:bedrock:us-east-1::foundation-model/" + TestServers.LLAMA_ID,
                    cp.getProvisionedModelThroughput(r -> r.provisionedModelId(arn)).desiredModelArn());
            ValidationException otherBase = assertThrows(ValidationException.class,
                    () -> cp.updateProvisionedModelThroughput(r -> r.provisionedModelId(arn)
                            .desiredModelId(TestServers.TITAN_EMBED_ID)));
            assertTrue(otherBase.getMessage().contains(TestServers.LLAMA_ID), otherBase.getMessage());
            assertThrows(ConflictException.class, () -> cp.updateProvisionedModelThroughput(r -> r
                    .provisionedModelId(arn).desiredProvisionedModelName("other")), "names stay unique");
            assertThrows(ValidationException.class, () -> cp.updateProvisionedModelThroughput(r -> r
                    .provisionedModelId(arn).desiredProvisionedModelName("bad name!")));
            assertThrows(ResourceNotFoundException.class, () -> cp.updateProvisionedModelThroughput(r -> r
                    .provisionedModelId("nobody").desiredProvisionedModelName("x")));
            assertThrows(ResourceNotFoundException.class, () -> cp.updateProvisionedModelThroughput(r -> r
                    .provisionedModelId(arn).desiredModelId("meta.no-such-model-v1")));
            assertEquals("after", cp.getProvisionedModelThroughput(r -> r.provisionedModelId(arn))
                    .provisionedModelName(), "refused updates change nothing");
        }
    }

    private static List<String> tags(BedrockClient cp, String arn) {
        return cp.listTagsForResource(r -> r.resourceARN(arn)).tags().stream().map(t -> t.key() + "=" + t.value())
                .sorted().toList();
    }
}
