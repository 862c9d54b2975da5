package dev.localbedrock.runtime.iam;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Which IAM action and resource each of this server's operations is authorized as, named as AWS names them.
 * Converse and ConverseStream have no actions of their own: AWS authorizes them as {@code bedrock:InvokeModel}
 * and {@code bedrock:InvokeModelWithResponseStream}, so a Deny on a model's invoke actions covers them too.
 *
 * <p>Parameters are the operation's path parameters by their AWS member names ({@code modelId},
 * {@code modelIdentifier}, {@code provisionedModelId}) and, for the tagging operations whose target travels in
 * the body, {@code resourceARN}. Tags the request sets are not resources: the caller puts them in the
 * {@link RequestContext} ({@code aws:RequestTag/…}, {@code aws:TagKeys}).
 */
public final class IamActions {
    /** Where a request goes: the action and the resource ARN ({@code "*"} for actions with no resource). */
    public record Target(String action, String resourceArn) {
        public Target {
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(resourceArn, "resourceArn");
        }
    }

    /** Thrown for an operation this table does not know, or a missing parameter: a routing bug, not bad input. */
    public static final class UnmappedOperationException extends IllegalArgumentException {
        UnmappedOperationException(String message) {
            super(message);
        }
    }

    public static final String BEDROCK_RUNTIME = "bedrock-runtime";
    public static final String BEDROCK = "bedrock";
    public static final String LOCAL = "local-bedrock";
    public static final String BEDROCK_AGENT = "bedrock-agent";
    public static final String BEDROCK_AGENT_RUNTIME = "bedrock-agent-runtime";

    private static final Pattern PROVISIONED_ID = Pattern.compile("[a-z0-9]{12}");

    private final String region;
    private final String account;
    private final UnaryOperator<String> provisionedModelArns;

    /**
     * @param region the region in this server's ARNs (us-east-1 unless configured)
     * @param account the 12-digit account in this server's ARNs
     * @param provisionedModelArns turns a provisioned model's name (the Get/Update/Delete operations accept
     *     name, id or ARN) into its ARN, or returns null when there is no such model; ids and ARNs need no lookup
     */
    public IamActions(String region, String account, UnaryOperator<String> provisionedModelArns) {
        this.region = Objects.requireNonNull(region, "region");
        this.account = Objects.requireNonNull(account, "account");
        this.provisionedModelArns = Objects.requireNonNull(provisionedModelArns, "provisionedModelArns");
    }

    /**
     * The action and resource for an operation, or empty for an operation that is not authorized at all (this
     * server's own health check, {@code local-bedrock:Ping}, which load balancers call without credentials).
     */
    public Optional<Target> target(String service, String operation, Map<String, String> parameters) {
        return switch (service + ":" + operation) {
            case BEDROCK_RUNTIME + ":InvokeModel", BEDROCK_RUNTIME + ":Converse" ->
                    Optional.of(new Target("bedrock:InvokeModel", modelArn(param(parameters, "modelId"))));
            case BEDROCK_RUNTIME + ":InvokeModelWithResponseStream", BEDROCK_RUNTIME + ":ConverseStream" ->
                    Optional.of(new Target("bedrock:InvokeModelWithResponseStream",
                            modelArn(param(parameters, "modelId"))));
            case BEDROCK + ":ListFoundationModels" -> everywhere("bedrock:ListFoundationModels");
            case BEDROCK + ":GetFoundationModel" -> Optional.of(new Target("bedrock:GetFoundationModel",
                    modelArn(param(parameters, "modelIdentifier"))));
            case BEDROCK + ":CreateProvisionedModelThroughput" -> Optional.of(new Target(
                    "bedrock:CreateProvisionedModelThroughput", arnPrefix() + "provisioned-model/*"));
            case BEDROCK + ":GetProvisionedModelThroughput", BEDROCK + ":UpdateProvisionedModelThroughput",
                    BEDROCK + ":DeleteProvisionedModelThroughput" -> Optional.of(new Target("bedrock:" + operation,
                            provisionedArn(param(parameters, "provisionedModelId"))));
            case BEDROCK + ":ListProvisionedModelThroughputs" -> everywhere("bedrock:ListProvisionedModelThroughputs");
            case BEDROCK + ":TagResource", BEDROCK + ":UntagResource", BEDROCK + ":ListTagsForResource" ->
                    Optional.of(new Target("bedrock:" + operation, param(parameters, "resourceARN")));
            case BEDROCK + ":CreateModelCustomizationJob" -> Optional.of(new Target(
                    "bedrock:CreateModelCustomizationJob", arnPrefix() + "model-customization-job/*"));
            case BEDROCK + ":GetModelCustomizationJob", BEDROCK + ":StopModelCustomizationJob" -> Optional.of(
                    new Target("bedrock:" + operation, named(param(parameters, "jobIdentifier"),
                            "model-customization-job/")));
            case BEDROCK + ":ListModelCustomizationJobs", BEDROCK + ":ListCustomModels" ->
                    everywhere("bedrock:" + operation);
            case BEDROCK + ":GetCustomModel", BEDROCK + ":DeleteCustomModel" -> Optional.of(new Target(
                    "bedrock:" + operation, named(param(parameters, "modelIdentifier"), "custom-model/")));
            case BEDROCK + ":PutModelInvocationLoggingConfiguration",
                    BEDROCK + ":GetModelInvocationLoggingConfiguration",
                    BEDROCK + ":DeleteModelInvocationLoggingConfiguration" -> everywhere("bedrock:" + operation);
            // bedrock-agent signs and authorizes as bedrock; a data source is authorized on its knowledge base,
            // as the service authorization reference lists it.
            case BEDROCK_AGENT + ":CreateKnowledgeBase", BEDROCK_AGENT + ":ListKnowledgeBases" -> Optional.of(
                    new Target("bedrock:" + operation, arnPrefix() + "knowledge-base/*"));
            case BEDROCK_AGENT + ":GetKnowledgeBase", BEDROCK_AGENT + ":UpdateKnowledgeBase",
                    BEDROCK_AGENT + ":DeleteKnowledgeBase", BEDROCK_AGENT + ":CreateDataSource",
                    BEDROCK_AGENT + ":GetDataSource", BEDROCK_AGENT + ":ListDataSources",
                    BEDROCK_AGENT + ":UpdateDataSource", BEDROCK_AGENT + ":DeleteDataSource" -> Optional.of(
                    new Target("bedrock:" + operation, knowledgeBaseArn(param(parameters, "knowledgeBaseId"))));
            case BEDROCK_AGENT + ":TagResource", BEDROCK_AGENT + ":UntagResource",
                    BEDROCK_AGENT + ":ListTagsForResource" -> Optional.of(new Target("bedrock:" + operation,
                            param(parameters, "resourceArn")));
            // --- agents (bedrock-agent) ---
            case BEDROCK_AGENT + ":CreateAgent", BEDROCK_AGENT + ":ListAgents" -> everywhere("bedrock:" + operation);
            case BEDROCK_AGENT + ":GetAgent", BEDROCK_AGENT + ":UpdateAgent", BEDROCK_AGENT + ":DeleteAgent",
                    BEDROCK_AGENT + ":PrepareAgent", BEDROCK_AGENT + ":CreateAgentActionGroup",
                    BEDROCK_AGENT + ":GetAgentActionGroup", BEDROCK_AGENT + ":ListAgentActionGroups",
                    BEDROCK_AGENT + ":UpdateAgentActionGroup", BEDROCK_AGENT + ":DeleteAgentActionGroup",
                    BEDROCK_AGENT + ":AssociateAgentKnowledgeBase", BEDROCK_AGENT + ":GetAgentKnowledgeBase",
                    BEDROCK_AGENT + ":ListAgentKnowledgeBases", BEDROCK_AGENT + ":UpdateAgentKnowledgeBase",
                    BEDROCK_AGENT + ":DisassociateAgentKnowledgeBase", BEDROCK_AGENT + ":CreateAgentAlias",
                    BEDROCK_AGENT + ":ListAgentAliases", BEDROCK_AGENT + ":GetAgentVersion",
                    BEDROCK_AGENT + ":ListAgentVersions", BEDROCK_AGENT + ":DeleteAgentVersion" -> Optional.of(
                    new Target("bedrock:" + operation, agentArn(param(parameters, "agentId"))));
            case BEDROCK_AGENT + ":GetAgentAlias", BEDROCK_AGENT + ":UpdateAgentAlias",
                    BEDROCK_AGENT + ":DeleteAgentAlias" -> Optional.of(new Target("bedrock:" + operation,
                    agentAliasArn(param(parameters, "agentId"), param(parameters, "agentAliasId"))));
            // --- end agents ---
            // ---- ingestion jobs and Retrieve: authorized on the knowledge base, as the service authorization
            // reference lists them. Retrieve's path names the knowledge base by id or by ARN.
            case BEDROCK_AGENT + ":StartIngestionJob", BEDROCK_AGENT + ":GetIngestionJob",
                    BEDROCK_AGENT + ":ListIngestionJobs", BEDROCK_AGENT + ":StopIngestionJob" -> Optional.of(
                    new Target("bedrock:" + operation, knowledgeBaseArn(param(parameters, "knowledgeBaseId"))));
            case BEDROCK_AGENT_RUNTIME + ":Retrieve" -> {
                String kb = param(parameters, "knowledgeBaseId");
                yield Optional.of(new Target("bedrock:Retrieve", kb.startsWith("arn:") ? kb : knowledgeBaseArn(kb)));
            }
            // ---- end of ingestion jobs and Retrieve ----
            // --- InvokeAgent (bedrock-agent-runtime) ---
            case "bedrock-agent-runtime:InvokeAgent" -> Optional.of(new Target("bedrock:InvokeAgent",
                    agentAliasArn(param(parameters, "agentId"), param(parameters, "agentAliasId"))));
            // --- end InvokeAgent ---
            // ---- RetrieveAndGenerate: on "*", as the service authorization reference lists it (the knowledge
            // base travels in the body, and the reference names no resource type for the action).
            case BEDROCK_AGENT_RUNTIME + ":RetrieveAndGenerate" -> everywhere("bedrock:RetrieveAndGenerate");
            // ---- end of RetrieveAndGenerate ----
            // Model access is console-only at AWS; these are the console's own actions for it (the guide's
            // console policy lists both).
            case LOCAL + ":ListModelAccess" -> everywhere("bedrock:GetFoundationModelAvailability");
            case LOCAL + ":PutModelAccess" -> everywhere("bedrock:PutFoundationModelEntitlement");
            case LOCAL + ":GetMetrics" -> everywhere("local-bedrock:GetMetrics");
            // A model's body table is a description of the model, as GetFoundationModel's answer is.
            case LOCAL + ":GetModelCustomizationJobMetrics" -> Optional.of(new Target(
                    "bedrock:GetModelCustomizationJob", named(param(parameters, "jobIdentifier"),
                            "model-customization-job/")));
            case LOCAL + ":GetBodyShape" -> Optional.of(new Target("bedrock:GetFoundationModel",
                    modelArn(param(parameters, "modelId"))));
            case LOCAL + ":Ping", LOCAL + ":Live" -> Optional.empty();
            // IAM asks no permission for GetSessionToken: any long-term key may turn itself into a session.
            case "sts:GetSessionToken" -> Optional.empty();
            default -> throw new UnmappedOperationException("No IAM action for operation " + service + ":"
                    + operation);
        };
    }

    /**
     * The ARN a model identifier is authorized as: a bare foundation-model id becomes
     * {@code arn:aws:bedrock:REGION::foundation-model/ID} (foundation models have no account); an ARN (foundation,
     * custom or provisioned model) is used as given.
     */
    public String modelArn(String modelId) {
        if (modelId.startsWith("arn:")) {
            return modelId;
        }
        return "arn:aws:bedrock:" + region + "::foundation-model/" + modelId;
    }

    /** A provisioned model's ARN from its id, ARN or name; a name with no model keeps a name-shaped ARN. */
    public String provisionedArn(String identifier) {
        if (identifier.startsWith("arn:")) {
            return identifier;
        }
        if (!PROVISIONED_ID.matcher(identifier).matches()) {
            String found = provisionedModelArns.apply(identifier);
            if (found != null) {
                return found;
            }
        }
        // An id, or a name that names nothing: authorize against the ARN it would have, so an unknown name is
        // denied or answered "not found" exactly as an unknown id is.
        return arnPrefix() + "provisioned-model/" + identifier;
    }

    /**
     * A job's or custom model's ARN when the caller gave one; for a name, the ARN with the name where the id goes
     * ({@code …:custom-model/NAME}), which a policy's {@code custom-model/*} matches as it matches the real ARN.
     */
    private String named(String identifier, String type) {
        return identifier.startsWith("arn:") ? identifier : arnPrefix() + type + identifier;
    }

    // --- agents (bedrock-agent) ---

    /** An agent's ARN from its id. */
    public String agentArn(String id) {
        return arnPrefix() + "agent/" + id;
    }

    /** An agent alias's ARN. */
    public String agentAliasArn(String agentId, String aliasId) {
        return arnPrefix() + "agent-alias/" + agentId + "/" + aliasId;
    }
    // --- end agents ---

    /** A knowledge base's ARN from its id. */
    public String knowledgeBaseArn(String id) {
        return arnPrefix() + "knowledge-base/" + id;
    }

    private String arnPrefix() {
        return "arn:aws:bedrock:" + region + ":" + account + ":";
    }

    private static Optional<Target> everywhere(String action) {
        return Optional.of(new Target(action, "*"));
    }

    private static String param(Map<String, String> parameters, String name) {
        String value = parameters.get(name);
        if (value == null || value.isEmpty()) {
            throw new UnmappedOperationException("Missing parameter " + name + " for the IAM resource");
        }
        return value;
    }
}
