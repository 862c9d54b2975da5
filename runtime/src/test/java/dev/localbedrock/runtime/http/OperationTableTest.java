package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockException;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OperationTableTest {
    private static final OperationTable TABLE = OperationTable.standard();

    private static ResolvedOperation parse(HttpMethod method, String uri) {
        return TABLE.resolve(method, uri);
    }

    @Test
    void decodesTheModelIdSegmentOnItsOwn() {
        ResolvedOperation r = parse(HttpMethod.POST,
                "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A%3Afoundation-model%2Fmeta.llama2-13b-chat-v1/invoke");
        assertEquals(Operation.INVOKE_MODEL, r.operation());
        assertEquals("arn:aws:bedrock:us-east-1::foundation-model/meta.llama2-13b-chat-v1",
                r.pathParameter("modelId"));
        ResolvedOperation s = parse(HttpMethod.POST,
                "/model/meta.llama2-13b-chat-v1%3A0%3A4k/invoke-with-response-stream");
        assertEquals(Operation.INVOKE_MODEL_WITH_RESPONSE_STREAM, s.operation());
        assertEquals("meta.llama2-13b-chat-v1:0:4k", s.pathParameter("modelId"));
    }

    @Test
    void plusStaysAPlusAndQueriesAreIgnored() {
        assertEquals("a+b", parse(HttpMethod.POST, "/model/a+b/invoke?x=1").pathParameter("modelId"));
    }

    @Test
    void unknownPathsAndMethodsAreUnknownOperations() {
        assertThrows(UnknownOperationException.class, () -> parse(HttpMethod.POST, "/model/x/chat"));
        assertThrows(UnknownOperationException.class, () -> parse(HttpMethod.GET, "/model/x/invoke"));
        assertThrows(UnknownOperationException.class, () -> parse(HttpMethod.POST, "/model/a/b/invoke"));
        assertThrows(UnknownOperationException.class, () -> parse(HttpMethod.GET, "/"));
        // POST / is STS's awsQuery endpoint (its Action travels in the form body).
        assertEquals(Operation.GET_SESSION_TOKEN, parse(HttpMethod.POST, "/").operation());
    }

    @Test
    void malformedPercentEncodingIsAValidationError() {
        assertThrows(BedrockException.class, () -> parse(HttpMethod.POST, "/model/bad%2/invoke"));
        assertThrows(BedrockException.class, () -> parse(HttpMethod.POST, "/model/bad%zz/invoke"));
    }

    @Test
    void operationsCarryTheirAwsServiceAndName() {
        assertEquals(new Operation("bedrock-runtime", "InvokeModel"),
                parse(HttpMethod.POST, "/model/m/invoke").operation());
        assertEquals(new Operation("bedrock-runtime", "InvokeModelWithResponseStream"),
                parse(HttpMethod.POST, "/model/m/invoke-with-response-stream").operation());
        ResolvedOperation ping = parse(HttpMethod.GET, "/ping");
        assertEquals(Operation.PING, ping.operation());
        assertEquals(Map.of(), ping.pathParameters());
        assertEquals(Operation.LIVE, parse(HttpMethod.GET, "/live").operation());
        assertEquals("", parse(HttpMethod.POST, "/model//invoke").pathParameter("modelId"));
    }

    @Test
    void messagesNameTheSupportedOperationsOrTheMethodToUse() {
        String supported = ". Supported: POST /model/{modelId}/invoke, "
                + "POST /model/{modelId}/invoke-with-response-stream, POST /model/{modelId}/converse, "
                + "POST /model/{modelId}/converse-stream, GET /foundation-models, "
                + "GET /foundation-models/{modelIdentifier}, POST /provisioned-model-throughput, "
                + "GET /provisioned-model-throughput/{provisionedModelId}, "
                + "PATCH /provisioned-model-throughput/{provisionedModelId}, "
                + "DELETE /provisioned-model-throughput/{provisionedModelId}, GET /provisioned-model-throughputs, "
                + "POST /tagResource, POST /untagResource, POST /listTagsForResource, PUT /logging/modelinvocations, "
                + "GET /logging/modelinvocations, DELETE /logging/modelinvocations, POST /model-customization-jobs, "
                + "GET /model-customization-jobs/{jobIdentifier}, GET /model-customization-jobs, "
                + "POST /model-customization-jobs/{jobIdentifier}/stop, GET /custom-models, "
                + "GET /custom-models/{modelIdentifier}, DELETE /custom-models/{modelIdentifier}, "
                + "PUT /knowledgebases/, POST /knowledgebases/, GET /knowledgebases/{knowledgeBaseId}, "
                + "PUT /knowledgebases/{knowledgeBaseId}, DELETE /knowledgebases/{knowledgeBaseId}, "
                + "PUT /knowledgebases/{knowledgeBaseId}/datasources/, "
                + "POST /knowledgebases/{knowledgeBaseId}/datasources/, "
                + "GET /knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}, "
                + "PUT /knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}, "
                + "DELETE /knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}, "
                + "POST /tags/{resourceArn}, DELETE /tags/{resourceArn}, GET /tags/{resourceArn}, "
                // --- agents (bedrock-agent) ---
                + "PUT /agents/, POST /agents/, GET /agents/{agentId}/, PUT /agents/{agentId}/, "
                + "DELETE /agents/{agentId}/, POST /agents/{agentId}/, "
                + "PUT /agents/{agentId}/agentversions/{agentVersion}/actiongroups/, "
                + "POST /agents/{agentId}/agentversions/{agentVersion}/actiongroups/, "
                + "GET /agents/{agentId}/agentversions/{agentVersion}/actiongroups/{actionGroupId}/, "
                + "PUT /agents/{agentId}/agentversions/{agentVersion}/actiongroups/{actionGroupId}/, "
                + "DELETE /agents/{agentId}/agentversions/{agentVersion}/actiongroups/{actionGroupId}/, "
                + "PUT /agents/{agentId}/agentversions/{agentVersion}/knowledgebases/, "
                + "POST /agents/{agentId}/agentversions/{agentVersion}/knowledgebases/, "
                + "GET /agents/{agentId}/agentversions/{agentVersion}/knowledgebases/{knowledgeBaseId}/, "
                + "PUT /agents/{agentId}/agentversions/{agentVersion}/knowledgebases/{knowledgeBaseId}/, "
                + "DELETE /agents/{agentId}/agentversions/{agentVersion}/knowledgebases/{knowledgeBaseId}/, "
                + "PUT /agents/{agentId}/agentaliases/, POST /agents/{agentId}/agentaliases/, "
                + "GET /agents/{agentId}/agentaliases/{agentAliasId}/, "
                + "PUT /agents/{agentId}/agentaliases/{agentAliasId}/, "
                + "DELETE /agents/{agentId}/agentaliases/{agentAliasId}/, "
                + "POST /agents/{agentId}/agentversions/, "
                + "GET /agents/{agentId}/agentversions/{agentVersion}/, "
                + "DELETE /agents/{agentId}/agentversions/{agentVersion}/"
                // --- end agents ---
                // ingestion jobs and Retrieve
                + ", PUT /knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}/ingestionjobs/"
                + ", POST /knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}/ingestionjobs/"
                + ", GET /knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}/ingestionjobs/{ingestionJobId}"
                + ", POST /knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}/ingestionjobs/{ingestionJobId}"
                + "/stop, POST /knowledgebases/{knowledgeBaseId}/retrieve"
                // InvokeAgent
                + ", POST /agents/{agentId}/agentAliases/{agentAliasId}/sessions/{sessionId}/text"
                // RetrieveAndGenerate
                + ", POST /retrieveAndGenerate"
                + ".";
        // An unknown path under a known first segment names only the operations there.
        assertEquals("No operation matches POST /model/x/chat. Supported: POST /model/{modelId}/invoke, "
                        + "POST /model/{modelId}/invoke-with-response-stream, POST /model/{modelId}/converse, "
                        + "POST /model/{modelId}/converse-stream.",
                assertThrows(UnknownOperationException.class,
                        () -> parse(HttpMethod.POST, "/model/x/chat?y=2")).getMessage());
        assertEquals("No operation matches GET /nothing-here" + supported,
                assertThrows(UnknownOperationException.class,
                        () -> parse(HttpMethod.GET, "/nothing-here")).getMessage());
        assertEquals("Method GET is not supported on /model/x/invoke; use POST.",
                assertThrows(UnknownOperationException.class,
                        () -> parse(HttpMethod.GET, "/model/x/invoke")).getMessage());
        // The health check is not an AWS operation: a wrong method on it is just an unknown operation.
        assertEquals("No operation matches POST /ping" + supported,
                assertThrows(UnknownOperationException.class, () -> parse(HttpMethod.POST, "/ping")).getMessage());
        assertEquals("No operation matches HEAD /ping" + supported,
                assertThrows(UnknownOperationException.class, () -> parse(HttpMethod.HEAD, "/ping")).getMessage());
        // The method is checked before the model id is decoded, and literals are compared still encoded.
        assertThrows(UnknownOperationException.class, () -> parse(HttpMethod.GET, "/model/bad%zz/invoke"));
        assertThrows(UnknownOperationException.class, () -> parse(HttpMethod.POST, "/model/x/%69nvoke"));
        assertThrows(UnknownOperationException.class, () -> parse(HttpMethod.POST, "*"));
    }

    // --- agents (bedrock-agent) ---
    @Test
    void agentRoutesAreTheModelsWithTheirTrailingSlashes() {
        assertEquals(Operation.CREATE_AGENT, parse(HttpMethod.PUT, "/agents/").operation());
        assertEquals(Operation.LIST_AGENTS, parse(HttpMethod.POST, "/agents/").operation());
        // GET, PUT and DELETE on the agent; POST on the same path is PrepareAgent.
        assertEquals(Operation.GET_AGENT, parse(HttpMethod.GET, "/agents/AG12345678/").operation());
        assertEquals(Operation.PREPARE_AGENT, parse(HttpMethod.POST, "/agents/AG12345678/").operation());
        assertEquals(Operation.DELETE_AGENT,
                parse(HttpMethod.DELETE, "/agents/AG12345678/?skipResourceInUseCheck=true").operation());
        ResolvedOperation group = parse(HttpMethod.DELETE, "/agents/AG12345678/agentversions/DRAFT/actiongroups/"
                + "GR12345678/");
        assertEquals(Operation.DELETE_AGENT_ACTION_GROUP, group.operation());
        assertEquals(Map.of("agentId", "AG12345678", "agentVersion", "DRAFT", "actionGroupId", "GR12345678"),
                group.pathParameters());
        assertEquals(Operation.ASSOCIATE_AGENT_KNOWLEDGE_BASE,
                parse(HttpMethod.PUT, "/agents/AG12345678/agentversions/DRAFT/knowledgebases/").operation());
        assertEquals(Operation.DISASSOCIATE_AGENT_KNOWLEDGE_BASE, parse(HttpMethod.DELETE,
                "/agents/AG12345678/agentversions/DRAFT/knowledgebases/KB12345678/").operation());
        assertEquals(Operation.GET_AGENT_ALIAS,
                parse(HttpMethod.GET, "/agents/AG12345678/agentaliases/TSTALIASID/").operation());
        // The version collection and one version share the agentversions segment.
        assertEquals(Operation.LIST_AGENT_VERSIONS,
                parse(HttpMethod.POST, "/agents/AG12345678/agentversions/").operation());
        assertEquals(Operation.GET_AGENT_VERSION,
                parse(HttpMethod.GET, "/agents/AG12345678/agentversions/1/").operation());
        assertEquals(Operation.DELETE_AGENT_VERSION,
                parse(HttpMethod.DELETE, "/agents/AG12345678/agentversions/1/").operation());
        assertEquals("bedrock-agent", Operation.CREATE_AGENT_ALIAS.service());
    }
    // --- end agents ---

    @Test
    void knowledgeBaseRoutesAreTheAgentModelsWithTheirTrailingSlashes() {
        // Collections end in a slash (the SDK sends PUT and POST /knowledgebases/); members do not.
        assertEquals(Operation.CREATE_KNOWLEDGE_BASE, parse(HttpMethod.PUT, "/knowledgebases/").operation());
        assertEquals(Operation.LIST_KNOWLEDGE_BASES, parse(HttpMethod.POST, "/knowledgebases/").operation());
        ResolvedOperation get = parse(HttpMethod.GET, "/knowledgebases/KB12345678");
        assertEquals(Operation.GET_KNOWLEDGE_BASE, get.operation());
        assertEquals("KB12345678", get.pathParameter("knowledgeBaseId"));
        assertEquals(Operation.UPDATE_KNOWLEDGE_BASE, parse(HttpMethod.PUT, "/knowledgebases/KB12345678").operation());
        assertEquals(Operation.DELETE_KNOWLEDGE_BASE,
                parse(HttpMethod.DELETE, "/knowledgebases/KB12345678").operation());
        assertEquals(Operation.CREATE_DATA_SOURCE,
                parse(HttpMethod.PUT, "/knowledgebases/KB12345678/datasources/").operation());
        assertEquals(Operation.LIST_DATA_SOURCES,
                parse(HttpMethod.POST, "/knowledgebases/KB12345678/datasources/").operation());
        ResolvedOperation ds = parse(HttpMethod.GET, "/knowledgebases/KB12345678/datasources/DS12345678");
        assertEquals(Operation.GET_DATA_SOURCE, ds.operation());
        assertEquals(Map.of("knowledgeBaseId", "KB12345678", "dataSourceId", "DS12345678"), ds.pathParameters());
        assertEquals(Operation.UPDATE_DATA_SOURCE,
                parse(HttpMethod.PUT, "/knowledgebases/KB12345678/datasources/DS12345678").operation());
        assertEquals(Operation.DELETE_DATA_SOURCE,
                parse(HttpMethod.DELETE, "/knowledgebases/KB12345678/datasources/DS12345678").operation());
        ResolvedOperation tags = parse(HttpMethod.GET,
                "/tags/arn%3Aaws%3Abedrock%3Aus-east-1%3A000000000000%3Aknowledge-base%2FKB12345678");
        assertEquals(Operation.AGENT_LIST_TAGS, tags.operation());
        assertEquals("arn:aws:bedrock:us-east-1:000000000000:knowledge-base/KB12345678",
                tags.pathParameter("resourceArn"));
        assertEquals(Operation.AGENT_TAG_RESOURCE, parse(HttpMethod.POST, "/tags/x").operation());
        assertEquals(Operation.AGENT_UNTAG_RESOURCE, parse(HttpMethod.DELETE, "/tags/x?tagKeys=a").operation());
        assertEquals("bedrock-agent", Operation.CREATE_KNOWLEDGE_BASE.service());
        UnknownOperationException e = assertThrows(UnknownOperationException.class,
                () -> parse(HttpMethod.PATCH, "/knowledgebases/KB12345678"));
        assertEquals("Method PATCH is not supported on /knowledgebases/KB12345678; use GET or PUT or DELETE.",
                e.getMessage());
    }

    // ---- RetrieveAndGenerate ----
    @Test
    void retrieveAndGenerateIsOneFixedPath() {
        ResolvedOperation call = parse(HttpMethod.POST, "/retrieveAndGenerate");
        assertEquals(Operation.RETRIEVE_AND_GENERATE, call.operation());
        assertEquals(Map.of(), call.pathParameters());
    }
    // ---- end of RetrieveAndGenerate ----

    @Test
    void ingestionJobAndRetrieveRoutesAreTheModels() {
        String jobs = "/knowledgebases/KB12345678/datasources/DS12345678/ingestionjobs/";
        assertEquals(Operation.START_INGESTION_JOB, parse(HttpMethod.PUT, jobs).operation());
        assertEquals(Operation.LIST_INGESTION_JOBS, parse(HttpMethod.POST, jobs).operation());
        ResolvedOperation get = parse(HttpMethod.GET, jobs + "JOB1234567");
        assertEquals(Operation.GET_INGESTION_JOB, get.operation());
        assertEquals(Map.of("knowledgeBaseId", "KB12345678", "dataSourceId", "DS12345678",
                "ingestionJobId", "JOB1234567"), get.pathParameters());
        assertEquals(Operation.STOP_INGESTION_JOB, parse(HttpMethod.POST, jobs + "JOB1234567/stop").operation());
        ResolvedOperation retrieve = parse(HttpMethod.POST, "/knowledgebases/"
                + "arn%3Aaws%3Abedrock%3Aus-east-1%3A000000000000%3Aknowledge-base%2FKB12345678/retrieve");
        assertEquals(Operation.RETRIEVE, retrieve.operation());
        assertEquals("bedrock-agent-runtime", retrieve.operation().service());
        assertEquals("arn:aws:bedrock:us-east-1:000000000000:knowledge-base/KB12345678",
                retrieve.pathParameter("knowledgeBaseId"));
    }

    @Test
    void malformedEscapesNameTheParameter() {
        BedrockException e = assertThrows(BedrockException.class, () -> parse(HttpMethod.POST, "/model/%E/invoke"));
        assertEquals("Malformed percent-encoding in the modelId path segment.", e.getMessage());
    }

    @Test
    void anotherServiceIsOneRegistration() {
        Operation list = new Operation("bedrock", "ListFoundationModels");
        Operation get = new Operation("bedrock", "GetProvisionedModelThroughput");
        Operation delete = new Operation("bedrock", "DeleteProvisionedModelThroughput");
        Operation create = new Operation("bedrock", "CreateProvisionedModelThroughput");
        OperationTable table = OperationTable.builder()
                .register(OperationTable::bedrockRuntime)
                .register(t -> t.operation(list, HttpMethod.GET, "/foundation-models")
                        .operation(create, HttpMethod.POST, "/provisioned-model-throughput")
                        .operation(get, HttpMethod.GET, "/provisioned-model-throughput/{provisionedModelId}")
                        .operation(delete, HttpMethod.DELETE, "/provisioned-model-throughput/{provisionedModelId}"))
                .build();
        assertEquals(list, table.resolve(HttpMethod.GET, "/foundation-models?byProvider=meta").operation());
        ResolvedOperation r = table.resolve(HttpMethod.DELETE,
                "/provisioned-model-throughput/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Aprovisioned-model%2Fabc");
        assertEquals(delete, r.operation());
        assertEquals("arn:aws:bedrock:us-east-1:1:provisioned-model/abc", r.pathParameter("provisionedModelId"));
        assertEquals(Operation.INVOKE_MODEL, table.resolve(HttpMethod.POST, "/model/m/invoke").operation());
        assertEquals("Method PUT is not supported on /provisioned-model-throughput/p; use GET or DELETE.",
                assertThrows(UnknownOperationException.class,
                        () -> table.resolve(HttpMethod.PUT, "/provisioned-model-throughput/p")).getMessage());
        assertEquals("No operation matches GET /nope. Supported: POST /model/{modelId}/invoke, "
                        + "POST /model/{modelId}/invoke-with-response-stream, POST /model/{modelId}/converse, "
                        + "POST /model/{modelId}/converse-stream, GET /foundation-models, "
                        + "POST /provisioned-model-throughput, GET /provisioned-model-throughput/{provisionedModelId}, "
                        + "DELETE /provisioned-model-throughput/{provisionedModelId}.",
                assertThrows(UnknownOperationException.class, () -> table.resolve(HttpMethod.GET, "/nope"))
                        .getMessage());
    }

    @Test
    void aLiteralSegmentWinsOverAParameterWhateverTheOrder() {
        Operation byId = new Operation("bedrock", "GetCustomModel");
        Operation imported = new Operation("bedrock", "ListImportedModels");
        OperationTable table = OperationTable.builder()
                .operation(byId, HttpMethod.GET, "/custom-models/{modelIdentifier}")
                .operation(imported, HttpMethod.GET, "/custom-models/imported")
                .build();
        assertEquals(imported, table.resolve(HttpMethod.GET, "/custom-models/imported").operation());
        assertEquals("m/1", table.resolve(HttpMethod.GET, "/custom-models/m%2F1").pathParameter("modelIdentifier"));
    }

    @Test
    void clashingRegistrationsAreRefusedWhenTheTableIsBuilt() {
        OperationTable.Builder table = OperationTable.builder().register(OperationTable::bedrockRuntime);
        assertThrows(IllegalArgumentException.class, () -> table.operation(
                new Operation("bedrock-runtime", "Other"), HttpMethod.POST, "/model/{id}/invoke"));
        assertThrows(IllegalArgumentException.class, () -> table.operation(
                Operation.INVOKE_MODEL, HttpMethod.PUT, "/model/{modelId}/invoke"));
        assertThrows(IllegalArgumentException.class, () -> PathTemplate.parse("/model/x{modelId}"));
        assertThrows(IllegalArgumentException.class, () -> PathTemplate.parse("/a/{p}/{p}"));
        assertThrows(IllegalArgumentException.class, () -> PathTemplate.parse("model/{modelId}"));
    }
}
