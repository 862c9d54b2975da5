package dev.localbedrock.runtime.http;

import dev.localbedrock.runtime.ModelTarget;
import dev.localbedrock.runtime.auth.AccessGate;
import dev.localbedrock.runtime.controlplane.FoundationModels;
import dev.localbedrock.runtime.controlplane.ModelAccessService;
import dev.localbedrock.runtime.controlplane.ProvisionedThroughputService;
import dev.localbedrock.runtime.controlplane.TaggingService;

/** What the HTTP layer needs from the service: resolve a client's model id to a served model. */
public interface RuntimeApi {

    /**
     * The served model and capacity a client's model identifier names.
     *
     * @throws dev.localbedrock.codecs.BedrockException ValidationException or ResourceNotFoundException
     */
    ModelTarget resolve(String modelId);

    /** The foundation models the control plane describes (every served id). */
    FoundationModels foundationModels();

    /** Which models may be invoked, or null when this service keeps no model access (every model may). */
    default ModelAccessService modelAccess() {
        return null;
    }

    /** Provisioned throughput, or null when this service keeps none. */
    default ProvisionedThroughputService provisionedThroughput() {
        return null;
    }

    /** Tagging of control-plane resources, or null when this service keeps none. */
    default TaggingService tagging() {
        return null;
    }

    /** Fine-tuning jobs and custom models, or null when this service offers none. */
    default dev.localbedrock.runtime.customization.ModelCustomizationService customization() {
        return null;
    }

    /** Knowledge bases and their data sources (bedrock-agent), or null when this service keeps none. */
    default dev.localbedrock.runtime.knowledge.KnowledgeBaseService knowledgeBases() {
        return null;
    }

    /** Agents (bedrock-agent), or null when this service keeps none. */
    default dev.localbedrock.runtime.agents.AgentService agents() {
        return null;
    }

    /** Model invocation logging's configuration, or null when this service keeps none. */
    default dev.localbedrock.runtime.invocationlog.InvocationLoggingService invocationLogging() {
        return null;
    }

    /**
     * Who may call what: {@code auth: open} (nothing verified, the default here) unless the service enforces
     * signatures and policies.
     */
    default AccessGate accessGate() {
        return OPEN;
    }

    /** Temporary credentials for STS GetSessionToken, or null when the service issues none (open mode). */
    default dev.localbedrock.runtime.auth.SessionTokens sessionTokens() {
        return null;
    }

    /** The open gate, for services that enforce nothing. */
    AccessGate OPEN = AccessGate.open(ProvisionedThroughputService.ACCOUNT);

    /** True once a shutdown began: new requests get 503 ServiceUnavailableException while in-flight ones finish. */
    default boolean draining() {
        return false;
    }
}
