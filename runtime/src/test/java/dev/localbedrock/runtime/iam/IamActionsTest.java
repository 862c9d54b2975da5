package dev.localbedrock.runtime.iam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class IamActionsTest {
    private final IamActions actions = new IamActions("us-east-1", "000000000000",
            name -> name.equals("my-pt") ? "arn:aws:bedrock:us-east-1:000000000000:provisioned-model/abcdefabcdef" : null);

    private IamActions.Target target(String service, String operation, Map<String, String> params) {
        return actions.target(service, operation, params).orElseThrow();
    }

    @Test
    void runtimeOperations() {
        assertEquals(new IamActions.Target("bedrock:InvokeModel",
                        "arn:aws:bedrock:us-east-1::foundation-model/meta.llama2-13b-chat-v1"),
                target("bedrock-runtime", "InvokeModel", Map.of("modelId", "meta.llama2-13b-chat-v1")));
        assertEquals("bedrock:InvokeModel", target("bedrock-runtime", "Converse", Map.of("modelId", "m")).action());
        assertEquals("bedrock:InvokeModelWithResponseStream",
                target("bedrock-runtime", "ConverseStream", Map.of("modelId", "m")).action());
        String pt = "arn:aws:bedrock:us-east-1:000000000000:provisioned-model/abcdefabcdef";
        assertEquals(new IamActions.Target("bedrock:InvokeModelWithResponseStream", pt),
                target("bedrock-runtime", "InvokeModelWithResponseStream", Map.of("modelId", pt)));
    }

    @Test
    void controlPlaneOperations() {
        assertEquals(new IamActions.Target("bedrock:ListFoundationModels", "*"),
                target("bedrock", "ListFoundationModels", Map.of()));
        assertEquals("arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v1",
                target("bedrock", "GetFoundationModel", Map.of("modelIdentifier", "amazon.titan-embed-text-v1"))
                        .resourceArn());
        assertEquals(new IamActions.Target("bedrock:CreateProvisionedModelThroughput",
                        "arn:aws:bedrock:us-east-1:000000000000:provisioned-model/*"),
                target("bedrock", "CreateProvisionedModelThroughput", Map.of()));
        String byId = "arn:aws:bedrock:us-east-1:000000000000:provisioned-model/abcdefabcdef";
        for (String op : new String[] {"GetProvisionedModelThroughput", "UpdateProvisionedModelThroughput",
                "DeleteProvisionedModelThroughput"}) {
            assertEquals(new IamActions.Target("bedrock:" + op, byId),
                    target("bedrock", op, Map.of("provisionedModelId", "abcdefabcdef")));
            assertEquals(byId, target("bedrock", op, Map.of("provisionedModelId", "my-pt")).resourceArn(),
                    "a name is looked up");
            assertEquals(byId, target("bedrock", op, Map.of("provisionedModelId", byId)).resourceArn());
        }
        assertEquals("arn:aws:bedrock:us-east-1:000000000000:provisioned-model/unknown-name",
                target("bedrock", "GetProvisionedModelThroughput", Map.of("provisionedModelId", "unknown-name"))
                        .resourceArn());
        assertEquals("*", target("bedrock", "ListProvisionedModelThroughputs", Map.of()).resourceArn());
        for (String op : new String[] {"TagResource", "UntagResource", "ListTagsForResource"}) {
            assertEquals(new IamActions.Target("bedrock:" + op, byId),
                    target("bedrock", op, Map.of("resourceARN", byId)));
        }
        for (String op : new String[] {"PutModelInvocationLoggingConfiguration",
                "GetModelInvocationLoggingConfiguration", "DeleteModelInvocationLoggingConfiguration"}) {
            assertEquals(new IamActions.Target("bedrock:" + op, "*"), target("bedrock", op, Map.of()));
        }
    }

    @Test
    void knowledgeBaseOperationsAuthorizeAsBedrockOnTheKnowledgeBase() {
        String kb = "arn:aws:bedrock:us-east-1:000000000000:knowledge-base/KB12345678";
        assertEquals(new IamActions.Target("bedrock:CreateKnowledgeBase",
                "arn:aws:bedrock:us-east-1:000000000000:knowledge-base/*"),
                target("bedrock-agent", "CreateKnowledgeBase", Map.of()));
        assertEquals("arn:aws:bedrock:us-east-1:000000000000:knowledge-base/*",
                target("bedrock-agent", "ListKnowledgeBases", Map.of()).resourceArn());
        for (String op : new String[] {"GetKnowledgeBase", "UpdateKnowledgeBase", "DeleteKnowledgeBase"}) {
            assertEquals(new IamActions.Target("bedrock:" + op, kb),
                    target("bedrock-agent", op, Map.of("knowledgeBaseId", "KB12345678")));
        }
        for (String op : new String[] {"CreateDataSource", "ListDataSources"}) {
            assertEquals(new IamActions.Target("bedrock:" + op, kb),
                    target("bedrock-agent", op, Map.of("knowledgeBaseId", "KB12345678")));
        }
        for (String op : new String[] {"GetDataSource", "UpdateDataSource", "DeleteDataSource"}) {
            assertEquals(new IamActions.Target("bedrock:" + op, kb), target("bedrock-agent", op,
                    Map.of("knowledgeBaseId", "KB12345678", "dataSourceId", "DS12345678")));
        }
        for (String op : new String[] {"TagResource", "UntagResource", "ListTagsForResource"}) {
            assertEquals(new IamActions.Target("bedrock:" + op, kb),
                    target("bedrock-agent", op, Map.of("resourceArn", kb)));
        }
        assertThrows(IamActions.UnmappedOperationException.class,
                () -> actions.target("bedrock-agent", "GetKnowledgeBase", Map.of()));
    }

    // --- agents (bedrock-agent) ---
    @Test
    void agentOperationsAuthorizeAsBedrockOnTheAgentOrAlias() {
        String agent = "arn:aws:bedrock:us-east-1:000000000000:agent/AG12345678";
        for (String op : new String[] {"CreateAgent", "ListAgents"}) {
            assertEquals(new IamActions.Target("bedrock:" + op, "*"), target("bedrock-agent", op, Map.of()));
        }
        for (String op : new String[] {"GetAgent", "UpdateAgent", "DeleteAgent", "PrepareAgent",
                "CreateAgentActionGroup", "GetAgentActionGroup", "ListAgentActionGroups", "UpdateAgentActionGroup",
                "DeleteAgentActionGroup", "AssociateAgentKnowledgeBase", "GetAgentKnowledgeBase",
                "ListAgentKnowledgeBases", "UpdateAgentKnowledgeBase", "DisassociateAgentKnowledgeBase",
                "CreateAgentAlias", "ListAgentAliases", "GetAgentVersion", "ListAgentVersions",
                "DeleteAgentVersion"}) {
            assertEquals(new IamActions.Target("bedrock:" + op, agent),
                    target("bedrock-agent", op, Map.of("agentId", "AG12345678", "agentVersion", "DRAFT")));
        }
        for (String op : new String[] {"GetAgentAlias", "UpdateAgentAlias", "DeleteAgentAlias"}) {
            assertEquals(new IamActions.Target("bedrock:" + op,
                    "arn:aws:bedrock:us-east-1:000000000000:agent-alias/AG12345678/TSTALIASID"),
                    target("bedrock-agent", op, Map.of("agentId", "AG12345678", "agentAliasId", "TSTALIASID")));
        }
        assertThrows(IamActions.UnmappedOperationException.class,
                () -> actions.target("bedrock-agent", "GetAgent", Map.of()));
    }
    // --- end agents ---

    @Test
    void ingestionJobsAndRetrieveAuthorizeOnTheKnowledgeBase() {
        String kb = "arn:aws:bedrock:us-east-1:000000000000:knowledge-base/KB12345678";
        for (String op : new String[] {"StartIngestionJob", "GetIngestionJob", "ListIngestionJobs",
                "StopIngestionJob"}) {
            assertEquals(new IamActions.Target("bedrock:" + op, kb), target("bedrock-agent", op,
                    Map.of("knowledgeBaseId", "KB12345678", "dataSourceId", "DS12345678")));
        }
        assertEquals(new IamActions.Target("bedrock:Retrieve", kb),
                target("bedrock-agent-runtime", "Retrieve", Map.of("knowledgeBaseId", "KB12345678")));
        assertEquals(new IamActions.Target("bedrock:Retrieve", kb),
                target("bedrock-agent-runtime", "Retrieve", Map.of("knowledgeBaseId", kb)), "the path may be the ARN");
    }

    @Test
    void invokeAgentAuthorizesOnTheAlias() {
        assertEquals(new IamActions.Target("bedrock:InvokeAgent",
                        "arn:aws:bedrock:us-east-1:000000000000:agent-alias/AG12345678/TSTALIASID"),
                target("bedrock-agent-runtime", "InvokeAgent",
                        Map.of("agentId", "AG12345678", "agentAliasId", "TSTALIASID", "sessionId", "s-1")));
    }

    // ---- RetrieveAndGenerate ----
    @Test
    void retrieveAndGenerateAuthorizesEverywhere() {
        assertEquals(new IamActions.Target("bedrock:RetrieveAndGenerate", "*"),
                target("bedrock-agent-runtime", "RetrieveAndGenerate", Map.of()));
    }
    // ---- end of RetrieveAndGenerate ----

    @Test
    void localOperations() {
        assertTrue(actions.target("local-bedrock", "Ping", Map.of()).isEmpty(), "health checks are not authorized");
        assertEquals("bedrock:PutFoundationModelEntitlement",
                target("local-bedrock", "PutModelAccess", Map.of("modelId", "m")).action());
        assertEquals("bedrock:GetFoundationModelAvailability",
                target("local-bedrock", "ListModelAccess", Map.of()).action());
        assertEquals("local-bedrock:GetMetrics", target("local-bedrock", "GetMetrics", Map.of()).action());
    }

    @Test
    void unknownOperationOrMissingParameterIsARoutingBug() {
        assertThrows(IamActions.UnmappedOperationException.class,
                () -> actions.target("bedrock", "CreateAgent", Map.of()));
        assertThrows(IamActions.UnmappedOperationException.class,
                () -> actions.target("bedrock-runtime", "InvokeModel", Map.of()));
    }
}
