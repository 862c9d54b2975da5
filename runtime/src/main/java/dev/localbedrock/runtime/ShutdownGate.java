package dev.localbedrock.runtime;

import dev.localbedrock.runtime.auth.AccessGate;
import dev.localbedrock.runtime.controlplane.FoundationModels;
import dev.localbedrock.runtime.controlplane.ModelAccessService;
import dev.localbedrock.runtime.controlplane.ProvisionedThroughputService;
import dev.localbedrock.runtime.controlplane.TaggingService;
import dev.localbedrock.runtime.http.RuntimeApi;

/**
 * The service's API as the HTTP layer sees it: the registry's models, plus whether the server is draining. Once a
 * shutdown begins, every new request (health checks included) is answered 503 ServiceUnavailableException, which the
 * AWS SDKs retry and load balancers read as "take this instance out", while generations already running finish
 * within the grace period on the connections they came on.
 */
final class ShutdownGate implements RuntimeApi {
    private final RuntimeApi models;
    private final ModelAccessService access;
    private final ProvisionedThroughputService provisioned;
    private final TaggingService tagging;
    private final dev.localbedrock.runtime.invocationlog.InvocationLoggingService logging;
    private volatile boolean draining;
    private AccessGate accessGate = RuntimeApi.OPEN;
    private dev.localbedrock.runtime.auth.SessionTokens sessionTokens;
    private dev.localbedrock.runtime.customization.ModelCustomizationService customization;

    ShutdownGate(RuntimeApi models, ModelAccessService access, ProvisionedThroughputService provisioned,
                 TaggingService tagging) {
        this(models, access, provisioned, tagging, null);
    }

    ShutdownGate(RuntimeApi models, ModelAccessService access, ProvisionedThroughputService provisioned,
                 TaggingService tagging, dev.localbedrock.runtime.invocationlog.InvocationLoggingService logging) {
        this.logging = logging;
        this.models = models;
        this.access = access;
        this.provisioned = provisioned;
        this.tagging = tagging;
    }

    /** Set once at start, before the server takes its first request. */
    void security(AccessGate gate, dev.localbedrock.runtime.auth.SessionTokens tokens) {
        this.accessGate = gate;
        this.sessionTokens = tokens;
    }

    private dev.localbedrock.runtime.knowledge.KnowledgeBaseService knowledgeBases;

    /** Set once at start, before the server takes its first request. */
    void knowledgeBases(dev.localbedrock.runtime.knowledge.KnowledgeBaseService service) {
        this.knowledgeBases = service;
    }

    @Override
    public dev.localbedrock.runtime.knowledge.KnowledgeBaseService knowledgeBases() {
        return knowledgeBases;
    }

    // --- agents (bedrock-agent) ---
    private dev.localbedrock.runtime.agents.AgentService agents;

    /** Set once at start, before the server takes its first request. */
    void agents(dev.localbedrock.runtime.agents.AgentService service) {
        this.agents = service;
    }

    @Override
    public dev.localbedrock.runtime.agents.AgentService agents() {
        return agents;
    }
    // --- end agents ---

    /** Set once at start, before the server takes its first request. */
    void customization(dev.localbedrock.runtime.customization.ModelCustomizationService service) {
        this.customization = service;
    }

    @Override
    public dev.localbedrock.runtime.customization.ModelCustomizationService customization() {
        return customization;
    }

    @Override
    public dev.localbedrock.runtime.auth.SessionTokens sessionTokens() {
        return sessionTokens;
    }

    @Override
    public AccessGate accessGate() {
        return accessGate;
    }

    @Override
    public dev.localbedrock.runtime.invocationlog.InvocationLoggingService invocationLogging() {
        return logging;
    }

    @Override
    public TaggingService tagging() {
        return tagging;
    }

    @Override
    public ProvisionedThroughputService provisionedThroughput() {
        return provisioned;
    }

    @Override
    public ModelAccessService modelAccess() {
        return access;
    }

    @Override
    public ModelTarget resolve(String modelId) {
        return models.resolve(modelId);
    }

    @Override
    public FoundationModels foundationModels() {
        return models.foundationModels();
    }

    @Override
    public boolean draining() {
        return draining;
    }

    void beginDrain() {
        draining = true;
    }
}
