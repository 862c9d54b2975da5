package dev.localbedrock.runtime.http;

/**
 * One operation of an AWS service, named as AWS names it ({@code bedrock-runtime} / {@code InvokeModel}): the key
 * that signing policies, the audit trail and metrics use, whatever path or protocol carried the request.
 */
record Operation(String service, String name) {
    static final String BEDROCK_RUNTIME = "bedrock-runtime";
    static final String BEDROCK = "bedrock";

    static final Operation INVOKE_MODEL = new Operation(BEDROCK_RUNTIME, "InvokeModel");
    static final Operation INVOKE_MODEL_WITH_RESPONSE_STREAM =
            new Operation(BEDROCK_RUNTIME, "InvokeModelWithResponseStream");
    static final Operation CONVERSE = new Operation(BEDROCK_RUNTIME, "Converse");
    static final Operation CONVERSE_STREAM = new Operation(BEDROCK_RUNTIME, "ConverseStream");
    static final Operation LIST_FOUNDATION_MODELS = new Operation(BEDROCK, "ListFoundationModels");
    static final Operation GET_FOUNDATION_MODEL = new Operation(BEDROCK, "GetFoundationModel");
    static final Operation CREATE_PROVISIONED = new Operation(BEDROCK, "CreateProvisionedModelThroughput");
    static final Operation GET_PROVISIONED = new Operation(BEDROCK, "GetProvisionedModelThroughput");
    static final Operation LIST_PROVISIONED = new Operation(BEDROCK, "ListProvisionedModelThroughputs");
    static final Operation UPDATE_PROVISIONED = new Operation(BEDROCK, "UpdateProvisionedModelThroughput");
    static final Operation DELETE_PROVISIONED = new Operation(BEDROCK, "DeleteProvisionedModelThroughput");
    static final Operation TAG_RESOURCE = new Operation(BEDROCK, "TagResource");
    static final Operation UNTAG_RESOURCE = new Operation(BEDROCK, "UntagResource");
    static final Operation LIST_TAGS = new Operation(BEDROCK, "ListTagsForResource");
    static final Operation PUT_LOGGING = new Operation(BEDROCK, "PutModelInvocationLoggingConfiguration");
    static final Operation GET_LOGGING = new Operation(BEDROCK, "GetModelInvocationLoggingConfiguration");
    static final Operation DELETE_LOGGING = new Operation(BEDROCK, "DeleteModelInvocationLoggingConfiguration");
    static final Operation CREATE_CUSTOMIZATION_JOB = new Operation(BEDROCK, "CreateModelCustomizationJob");
    static final Operation GET_CUSTOMIZATION_JOB = new Operation(BEDROCK, "GetModelCustomizationJob");
    static final Operation LIST_CUSTOMIZATION_JOBS = new Operation(BEDROCK, "ListModelCustomizationJobs");
    static final Operation STOP_CUSTOMIZATION_JOB = new Operation(BEDROCK, "StopModelCustomizationJob");
    static final Operation LIST_CUSTOM_MODELS = new Operation(BEDROCK, "ListCustomModels");
    static final Operation GET_CUSTOM_MODEL = new Operation(BEDROCK, "GetCustomModel");
    static final Operation DELETE_CUSTOM_MODEL = new Operation(BEDROCK, "DeleteCustomModel");
    /** The bedrock-agent control plane (restJson1, API 2023-06-05): knowledge bases and their data sources. */
    static final String BEDROCK_AGENT = "bedrock-agent";
    static final Operation CREATE_KNOWLEDGE_BASE = new Operation(BEDROCK_AGENT, "CreateKnowledgeBase");
    static final Operation GET_KNOWLEDGE_BASE = new Operation(BEDROCK_AGENT, "GetKnowledgeBase");
    static final Operation LIST_KNOWLEDGE_BASES = new Operation(BEDROCK_AGENT, "ListKnowledgeBases");
    static final Operation UPDATE_KNOWLEDGE_BASE = new Operation(BEDROCK_AGENT, "UpdateKnowledgeBase");
    static final Operation DELETE_KNOWLEDGE_BASE = new Operation(BEDROCK_AGENT, "DeleteKnowledgeBase");
    static final Operation CREATE_DATA_SOURCE = new Operation(BEDROCK_AGENT, "CreateDataSource");
    static final Operation GET_DATA_SOURCE = new Operation(BEDROCK_AGENT, "GetDataSource");
    static final Operation LIST_DATA_SOURCES = new Operation(BEDROCK_AGENT, "ListDataSources");
    static final Operation UPDATE_DATA_SOURCE = new Operation(BEDROCK_AGENT, "UpdateDataSource");
    static final Operation DELETE_DATA_SOURCE = new Operation(BEDROCK_AGENT, "DeleteDataSource");
    /** bedrock-agent's tagging, on {@code /tags/{resourceArn}}: bedrock-agent-runtime has the same path and shapes. */
    static final Operation AGENT_TAG_RESOURCE = new Operation(BEDROCK_AGENT, "TagResource");
    static final Operation AGENT_UNTAG_RESOURCE = new Operation(BEDROCK_AGENT, "UntagResource");
    static final Operation AGENT_LIST_TAGS = new Operation(BEDROCK_AGENT, "ListTagsForResource");
    // --- agents (bedrock-agent): agents, action groups, KB associations, aliases, versions ---
    static final Operation CREATE_AGENT = new Operation(BEDROCK_AGENT, "CreateAgent");
    static final Operation GET_AGENT = new Operation(BEDROCK_AGENT, "GetAgent");
    static final Operation LIST_AGENTS = new Operation(BEDROCK_AGENT, "ListAgents");
    static final Operation UPDATE_AGENT = new Operation(BEDROCK_AGENT, "UpdateAgent");
    static final Operation DELETE_AGENT = new Operation(BEDROCK_AGENT, "DeleteAgent");
    static final Operation PREPARE_AGENT = new Operation(BEDROCK_AGENT, "PrepareAgent");
    static final Operation CREATE_AGENT_ACTION_GROUP = new Operation(BEDROCK_AGENT, "CreateAgentActionGroup");
    static final Operation GET_AGENT_ACTION_GROUP = new Operation(BEDROCK_AGENT, "GetAgentActionGroup");
    static final Operation LIST_AGENT_ACTION_GROUPS = new Operation(BEDROCK_AGENT, "ListAgentActionGroups");
    static final Operation UPDATE_AGENT_ACTION_GROUP = new Operation(BEDROCK_AGENT, "UpdateAgentActionGroup");
    static final Operation DELETE_AGENT_ACTION_GROUP = new Operation(BEDROCK_AGENT, "DeleteAgentActionGroup");
    static final Operation ASSOCIATE_AGENT_KNOWLEDGE_BASE = new Operation(BEDROCK_AGENT, "AssociateAgentKnowledgeBase");
    static final Operation GET_AGENT_KNOWLEDGE_BASE = new Operation(BEDROCK_AGENT, "GetAgentKnowledgeBase");
    static final Operation LIST_AGENT_KNOWLEDGE_BASES = new Operation(BEDROCK_AGENT, "ListAgentKnowledgeBases");
    static final Operation UPDATE_AGENT_KNOWLEDGE_BASE = new Operation(BEDROCK_AGENT, "UpdateAgentKnowledgeBase");
    static final Operation DISASSOCIATE_AGENT_KNOWLEDGE_BASE = new Operation(BEDROCK_AGENT, "DisassociateAgentKnowledgeBase");
    static final Operation CREATE_AGENT_ALIAS = new Operation(BEDROCK_AGENT, "CreateAgentAlias");
    static final Operation GET_AGENT_ALIAS = new Operation(BEDROCK_AGENT, "GetAgentAlias");
    static final Operation LIST_AGENT_ALIASES = new Operation(BEDROCK_AGENT, "ListAgentAliases");
    static final Operation UPDATE_AGENT_ALIAS = new Operation(BEDROCK_AGENT, "UpdateAgentAlias");
    static final Operation DELETE_AGENT_ALIAS = new Operation(BEDROCK_AGENT, "DeleteAgentAlias");
    static final Operation GET_AGENT_VERSION = new Operation(BEDROCK_AGENT, "GetAgentVersion");
    static final Operation LIST_AGENT_VERSIONS = new Operation(BEDROCK_AGENT, "ListAgentVersions");
    static final Operation DELETE_AGENT_VERSION = new Operation(BEDROCK_AGENT, "DeleteAgentVersion");
    // --- end agents ---
    // ---- knowledge-base ingestion jobs (bedrock-agent) and Retrieve (bedrock-agent-runtime) ----
    static final Operation START_INGESTION_JOB = new Operation(BEDROCK_AGENT, "StartIngestionJob");
    static final Operation GET_INGESTION_JOB = new Operation(BEDROCK_AGENT, "GetIngestionJob");
    static final Operation LIST_INGESTION_JOBS = new Operation(BEDROCK_AGENT, "ListIngestionJobs");
    static final Operation STOP_INGESTION_JOB = new Operation(BEDROCK_AGENT, "StopIngestionJob");
    /** The knowledge-base and agent runtime (restJson1, API 2023-07-26); it signs as bedrock too. */
    static final String BEDROCK_AGENT_RUNTIME = "bedrock-agent-runtime";
    static final Operation RETRIEVE = new Operation(BEDROCK_AGENT_RUNTIME, "Retrieve");
    // ---- end of ingestion jobs and Retrieve ----
    // --- InvokeAgent (bedrock-agent-runtime) ---
    static final Operation INVOKE_AGENT = new Operation(BEDROCK_AGENT_RUNTIME, "InvokeAgent");
    // --- end InvokeAgent ---
    // ---- RetrieveAndGenerate (bedrock-agent-runtime) ----
    static final Operation RETRIEVE_AND_GENERATE = new Operation(BEDROCK_AGENT_RUNTIME, "RetrieveAndGenerate");
    // ---- end of RetrieveAndGenerate ----
    /**
     * This server's own health check (load balancers, readiness probes). No AWS service has it, so it is kept
     * out of the operations an error message lists.
     */
    static final String LOCAL = "local-bedrock";
    static final Operation PING = new Operation(LOCAL, "Ping");
    /**
     * Liveness: 200 while the process serves at all, draining included, so an orchestrator's liveness probe does
     * not kill a replica that is finishing its streams ({@link #PING} is readiness: 503 once draining).
     */
    static final Operation LIVE = new Operation(LOCAL, "Live");
    /** This server's model-access administration (Bedrock keeps it in its console, with no SDK operation). */
    static final Operation LIST_MODEL_ACCESS = new Operation(LOCAL, "ListModelAccess");
    static final Operation PUT_MODEL_ACCESS = new Operation(LOCAL, "PutModelAccess");
    /** The Prometheus scrape of this server's metrics (CloudWatch's runtime metrics by another road). */
    static final Operation GET_METRICS = new Operation(LOCAL, "GetMetrics");
    /** A model's request body as a table (paths, kinds, ranges, defaults) from its family codec: the console's form. */
    static final Operation GET_BODY_SHAPE = new Operation(LOCAL, "GetBodyShape");
    /** A customization job's metrics files read back from its output location (the console's loss curve). */
    static final Operation GET_JOB_METRICS = new Operation(LOCAL, "GetModelCustomizationJobMetrics");
    /** STS's GetSessionToken (awsQuery: the action travels in the form body of a POST to {@code /}). */
    static final String STS = "sts";
    static final Operation GET_SESSION_TOKEN = new Operation(STS, "GetSessionToken");

    @Override
    public String toString() {
        return service + ":" + name;
    }
}
