package dev.localbedrock.runtime.http;

import io.netty.handler.codec.http.HttpMethod;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Which operation a request line names: (service, method, path template) → operation, with the path parameters
 * decoded once. Every service this server speaks is one registration ({@link #bedrockRuntime}, {@link #bedrock};
 * {@code bedrock-agent-runtime} has paths of its own too, so they all share the one port). Anything else is an {@link UnknownOperationException} whose message lists the operations clients can
 * call.
 */
final class OperationTable {
    /** bedrock-runtime, as the AWS SDKs call it. */
    static void bedrockRuntime(Builder table) {
        table.operation(Operation.INVOKE_MODEL, HttpMethod.POST, "/model/{modelId}/invoke")
                .operation(Operation.INVOKE_MODEL_WITH_RESPONSE_STREAM, HttpMethod.POST,
                        "/model/{modelId}/invoke-with-response-stream")
                .operation(Operation.CONVERSE, HttpMethod.POST, "/model/{modelId}/converse")
                .operation(Operation.CONVERSE_STREAM, HttpMethod.POST, "/model/{modelId}/converse-stream");
    }

    /** The bedrock control plane (restJson1, API 2023-04-20): paths of its own, so it shares the port. */
    static void bedrock(Builder table) {
        table.operation(Operation.LIST_FOUNDATION_MODELS, HttpMethod.GET, "/foundation-models")
                .operation(Operation.GET_FOUNDATION_MODEL, HttpMethod.GET, "/foundation-models/{modelIdentifier}")
                .operation(Operation.CREATE_PROVISIONED, HttpMethod.POST, "/provisioned-model-throughput")
                .operation(Operation.GET_PROVISIONED, HttpMethod.GET,
                        "/provisioned-model-throughput/{provisionedModelId}")
                .operation(Operation.UPDATE_PROVISIONED, HttpMethod.PATCH,
                        "/provisioned-model-throughput/{provisionedModelId}")
                .operation(Operation.DELETE_PROVISIONED, HttpMethod.DELETE,
                        "/provisioned-model-throughput/{provisionedModelId}")
                // Plural, as the SDKs send it.
                .operation(Operation.LIST_PROVISIONED, HttpMethod.GET, "/provisioned-model-throughputs")
                // POSTs with the resource's ARN in the body, as the service model has them.
                .operation(Operation.TAG_RESOURCE, HttpMethod.POST, "/tagResource")
                .operation(Operation.UNTAG_RESOURCE, HttpMethod.POST, "/untagResource")
                .operation(Operation.LIST_TAGS, HttpMethod.POST, "/listTagsForResource")
                .operation(Operation.PUT_LOGGING, HttpMethod.PUT, "/logging/modelinvocations")
                .operation(Operation.GET_LOGGING, HttpMethod.GET, "/logging/modelinvocations")
                .operation(Operation.DELETE_LOGGING, HttpMethod.DELETE, "/logging/modelinvocations")
                .operation(Operation.CREATE_CUSTOMIZATION_JOB, HttpMethod.POST, "/model-customization-jobs")
                .operation(Operation.GET_CUSTOMIZATION_JOB, HttpMethod.GET,
                        "/model-customization-jobs/{jobIdentifier}")
                .operation(Operation.LIST_CUSTOMIZATION_JOBS, HttpMethod.GET, "/model-customization-jobs")
                .operation(Operation.STOP_CUSTOMIZATION_JOB, HttpMethod.POST,
                        "/model-customization-jobs/{jobIdentifier}/stop")
                .operation(Operation.LIST_CUSTOM_MODELS, HttpMethod.GET, "/custom-models")
                .operation(Operation.GET_CUSTOM_MODEL, HttpMethod.GET, "/custom-models/{modelIdentifier}")
                .operation(Operation.DELETE_CUSTOM_MODEL, HttpMethod.DELETE, "/custom-models/{modelIdentifier}");
    }

    /**
     * The bedrock-agent control plane (restJson1, API 2023-06-05). The paths are the service model's exactly, as
     * the SDKs send them: a collection's Create (PUT) and List (POST) end in a slash, a member's path does not.
     */
    static void bedrockAgent(Builder table) {
        table.operation(Operation.CREATE_KNOWLEDGE_BASE, HttpMethod.PUT, "/knowledgebases/")
                .operation(Operation.LIST_KNOWLEDGE_BASES, HttpMethod.POST, "/knowledgebases/")
                .operation(Operation.GET_KNOWLEDGE_BASE, HttpMethod.GET, "/knowledgebases/{knowledgeBaseId}")
                .operation(Operation.UPDATE_KNOWLEDGE_BASE, HttpMethod.PUT, "/knowledgebases/{knowledgeBaseId}")
                .operation(Operation.DELETE_KNOWLEDGE_BASE, HttpMethod.DELETE, "/knowledgebases/{knowledgeBaseId}")
                .operation(Operation.CREATE_DATA_SOURCE, HttpMethod.PUT,
                        "/knowledgebases/{knowledgeBaseId}/datasources/")
                .operation(Operation.LIST_DATA_SOURCES, HttpMethod.POST,
                        "/knowledgebases/{knowledgeBaseId}/datasources/")
                .operation(Operation.GET_DATA_SOURCE, HttpMethod.GET,
                        "/knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}")
                .operation(Operation.UPDATE_DATA_SOURCE, HttpMethod.PUT,
                        "/knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}")
                .operation(Operation.DELETE_DATA_SOURCE, HttpMethod.DELETE,
                        "/knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}")
                // The resource's ARN is one percent-encoded segment. bedrock-agent-runtime has the same three
                // operations on the same path: they are registered once, here.
                .operation(Operation.AGENT_TAG_RESOURCE, HttpMethod.POST, "/tags/{resourceArn}")
                .operation(Operation.AGENT_UNTAG_RESOURCE, HttpMethod.DELETE, "/tags/{resourceArn}")
                .operation(Operation.AGENT_LIST_TAGS, HttpMethod.GET, "/tags/{resourceArn}");
    }

    /**
     * bedrock-agent's agents (API 2023-06-05): agents, their action groups and knowledge-base associations, aliases
     * and versions. The paths are the model's exactly, trailing slashes included (the SDK sends them).
     */
    static void bedrockAgentAgents(Builder table) {
        table.operation(Operation.CREATE_AGENT, HttpMethod.PUT, "/agents/")
                .operation(Operation.LIST_AGENTS, HttpMethod.POST,
                        "/agents/")
                .operation(Operation.GET_AGENT, HttpMethod.GET,
                        "/agents/{agentId}/")
                .operation(Operation.UPDATE_AGENT, HttpMethod.PUT,
                        "/agents/{agentId}/")
                .operation(Operation.DELETE_AGENT, HttpMethod.DELETE,
                        "/agents/{agentId}/")
                .operation(Operation.PREPARE_AGENT, HttpMethod.POST,
                        "/agents/{agentId}/")
                .operation(Operation.CREATE_AGENT_ACTION_GROUP, HttpMethod.PUT,
                        "/agents/{agentId}/agentversions/{agentVersion}/actiongroups/")
                .operation(Operation.LIST_AGENT_ACTION_GROUPS, HttpMethod.POST,
                        "/agents/{agentId}/agentversions/{agentVersion}/actiongroups/")
                .operation(Operation.GET_AGENT_ACTION_GROUP, HttpMethod.GET,
                        "/agents/{agentId}/agentversions/{agentVersion}/actiongroups/{actionGroupId}/")
                .operation(Operation.UPDATE_AGENT_ACTION_GROUP, HttpMethod.PUT,
                        "/agents/{agentId}/agentversions/{agentVersion}/actiongroups/{actionGroupId}/")
                .operation(Operation.DELETE_AGENT_ACTION_GROUP, HttpMethod.DELETE,
                        "/agents/{agentId}/agentversions/{agentVersion}/actiongroups/{actionGroupId}/")
                .operation(Operation.ASSOCIATE_AGENT_KNOWLEDGE_BASE, HttpMethod.PUT,
                        "/agents/{agentId}/agentversions/{agentVersion}/knowledgebases/")
                .operation(Operation.LIST_AGENT_KNOWLEDGE_BASES, HttpMethod.POST,
                        "/agents/{agentId}/agentversions/{agentVersion}/knowledgebases/")
                .operation(Operation.GET_AGENT_KNOWLEDGE_BASE, HttpMethod.GET,
                        "/agents/{agentId}/agentversions/{agentVersion}/knowledgebases/{knowledgeBaseId}/")
                .operation(Operation.UPDATE_AGENT_KNOWLEDGE_BASE, HttpMethod.PUT,
                        "/agents/{agentId}/agentversions/{agentVersion}/knowledgebases/{knowledgeBaseId}/")
                .operation(Operation.DISASSOCIATE_AGENT_KNOWLEDGE_BASE, HttpMethod.DELETE,
                        "/agents/{agentId}/agentversions/{agentVersion}/knowledgebases/{knowledgeBaseId}/")
                .operation(Operation.CREATE_AGENT_ALIAS, HttpMethod.PUT,
                        "/agents/{agentId}/agentaliases/")
                .operation(Operation.LIST_AGENT_ALIASES, HttpMethod.POST,
                        "/agents/{agentId}/agentaliases/")
                .operation(Operation.GET_AGENT_ALIAS, HttpMethod.GET,
                        "/agents/{agentId}/agentaliases/{agentAliasId}/")
                .operation(Operation.UPDATE_AGENT_ALIAS, HttpMethod.PUT,
                        "/agents/{agentId}/agentaliases/{agentAliasId}/")
                .operation(Operation.DELETE_AGENT_ALIAS, HttpMethod.DELETE,
                        "/agents/{agentId}/agentaliases/{agentAliasId}/")
                .operation(Operation.LIST_AGENT_VERSIONS, HttpMethod.POST,
                        "/agents/{agentId}/agentversions/")
                .operation(Operation.GET_AGENT_VERSION, HttpMethod.GET,
                        "/agents/{agentId}/agentversions/{agentVersion}/")
                .operation(Operation.DELETE_AGENT_VERSION, HttpMethod.DELETE,
                        "/agents/{agentId}/agentversions/{agentVersion}/");
    }

    /** bedrock-agent's ingestion jobs, as the service model routes them (the collection's path ends in a slash). */
    static void bedrockAgentIngestion(Builder table) {
        table.operation(Operation.START_INGESTION_JOB, HttpMethod.PUT,
                        "/knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}/ingestionjobs/")
                .operation(Operation.LIST_INGESTION_JOBS, HttpMethod.POST,
                        "/knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}/ingestionjobs/")
                .operation(Operation.GET_INGESTION_JOB, HttpMethod.GET,
                        "/knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}/ingestionjobs/{ingestionJobId}")
                .operation(Operation.STOP_INGESTION_JOB, HttpMethod.POST, "/knowledgebases/{knowledgeBaseId}"
                        + "/datasources/{dataSourceId}/ingestionjobs/{ingestionJobId}/stop");
    }

    /**
     * bedrock-agent-runtime (restJson1, API 2023-07-26): Retrieve. The knowledge base is its id or its ARN, one
     * percent-encoded segment.
     */
    static void bedrockAgentRuntime(Builder table) {
        table.operation(Operation.RETRIEVE, HttpMethod.POST, "/knowledgebases/{knowledgeBaseId}/retrieve");
    }

    /**
     * bedrock-agent-runtime's InvokeAgent (API 2023-07-26), on its own: "agentAliases" has a capital A, as the model
     * writes it, so it never meets bedrock-agent's {@code /agents/...} paths.
     */
    static void bedrockAgentRuntimeInvokeAgent(Builder table) {
        table.operation(Operation.INVOKE_AGENT, HttpMethod.POST,
                "/agents/{agentId}/agentAliases/{agentAliasId}/sessions/{sessionId}/text");
    }

    // ---- RetrieveAndGenerate (bedrock-agent-runtime) ----
    /** bedrock-agent-runtime's RetrieveAndGenerate: the knowledge base travels in the body. */
    static void bedrockAgentRuntimeRetrieveAndGenerate(Builder table) {
        table.operation(Operation.RETRIEVE_AND_GENERATE, HttpMethod.POST, "/retrieveAndGenerate");
    }
    // ---- end of RetrieveAndGenerate ----

    /** This server's own endpoints, which no AWS SDK calls. */
    static void serverEndpoints(Builder table) {
        table.unlisted(Operation.PING, HttpMethod.GET, "/ping")
                .unlisted(Operation.LIVE, HttpMethod.GET, "/live")
                .unlisted(Operation.GET_METRICS, HttpMethod.GET, "/metrics")
                .unlisted(Operation.GET_BODY_SHAPE, HttpMethod.GET, "/local-bedrock/body-shapes/{modelId}")
                .unlisted(Operation.GET_JOB_METRICS, HttpMethod.GET,
                        "/local-bedrock/model-customization-jobs/{jobIdentifier}/metrics")
                .unlisted(Operation.LIST_MODEL_ACCESS, HttpMethod.GET, "/local-bedrock/model-access")
                .unlisted(Operation.PUT_MODEL_ACCESS, HttpMethod.PUT, "/local-bedrock/model-access/{modelId}")
                // STS's only action here; the form body's Action= is checked by StsApi.
                .unlisted(Operation.GET_SESSION_TOKEN, HttpMethod.POST, "/");
    }

    /** The operations this server answers. */
    static OperationTable standard() {
        return builder().register(OperationTable::bedrockRuntime).register(OperationTable::bedrock)
                .register(OperationTable::bedrockAgent).register(OperationTable::bedrockAgentAgents)
                .register(OperationTable::bedrockAgentIngestion).register(OperationTable::bedrockAgentRuntime)
                .register(OperationTable::bedrockAgentRuntimeInvokeAgent)
                .register(OperationTable::bedrockAgentRuntimeRetrieveAndGenerate) // RetrieveAndGenerate
                .register(OperationTable::serverEndpoints).build();
    }

    private record Entry(Operation operation, HttpMethod method, PathTemplate path, boolean listed) {
    }

    private final List<Entry> entries;
    /** The listed operations in registration order (the order messages name them in). */
    private final List<Entry> listed;
    private final String supported;

    private OperationTable(List<Entry> entries) {
        // A literal segment is more specific than a parameter (GET /custom-models/{id} must not catch a later
        // GET /custom-models/import), so the most literal template is tried first; ties keep registration order.
        List<Entry> byLiterals = new ArrayList<>(entries);
        byLiterals.sort(Comparator.comparingInt((Entry e) -> e.path().literalCount()).reversed());
        this.entries = List.copyOf(byLiterals);
        this.listed = entries.stream().filter(Entry::listed).toList();
        this.supported = listed.stream().map(e -> e.method() + " " + e.path()).collect(Collectors.joining(", "));
    }

    static Builder builder() {
        return new Builder();
    }

    /**
     * The operation {@code method uri} names; the query string plays no part.
     *
     * @throws UnknownOperationException for a path no listed operation has, or a method its path does not take
     * @throws dev.localbedrock.codecs.BedrockException (validation) for a malformed percent-escape in a parameter
     */
    ResolvedOperation resolve(HttpMethod method, String uri) {
        int q = uri.indexOf('?');
        String path = q >= 0 ? uri.substring(0, q) : uri;
        String[] segments = PathTemplate.segments(path);
        List<Entry> samePath = new ArrayList<>(1);
        for (Entry e : entries) {
            if (e.path().matches(segments)) {
                if (e.method().equals(method)) {
                    return new ResolvedOperation(e.operation(), e.path().parameters(segments));
                }
                if (e.listed()) {
                    samePath.add(e);
                }
            }
        }
        if (!samePath.isEmpty()) {
            throw new UnknownOperationException("Method " + method + " is not supported on " + path + "; use "
                    + samePath.stream().map(e -> e.method().name()).distinct().collect(Collectors.joining(" or "))
                    + ".");
        }
        throw new UnknownOperationException("No operation matches " + method + " " + path + ". Supported: "
                + supportedNear(segments) + ".");
    }

    /**
     * The operations to name for an unmatched path: those under the same first segment ({@code /model/...}: the
     * runtime's invocations), or every listed one when none is — a short list the caller can act on.
     */
    private String supportedNear(String[] segments) {
        if (segments != null && segments.length > 0) {
            String near = listed.stream().filter(e -> e.path().startsWithLiteral(segments[0]))
                    .map(e -> e.method() + " " + e.path()).collect(Collectors.joining(", "));
            if (!near.isEmpty()) {
                return near;
            }
        }
        return supported;
    }

    /** Collects registrations; refuses two operations on the same method and path shape. */
    static final class Builder {
        private final List<Entry> entries = new ArrayList<>();

        private Builder() {
        }

        /** Adds one service's operations (a method such as {@link OperationTable#bedrockRuntime}). */
        Builder register(Consumer<Builder> service) {
            service.accept(this);
            return this;
        }

        /** An operation of an AWS API, listed in the answer to unknown paths. */
        Builder operation(Operation operation, HttpMethod method, String pathTemplate) {
            return add(new Entry(operation, method, PathTemplate.parse(pathTemplate), true));
        }

        /**
         * An endpoint that answers only an exact method and path: it is neither listed nor suggested as the method
         * to use, so error messages speak only of the AWS API.
         */
        Builder unlisted(Operation operation, HttpMethod method, String pathTemplate) {
            return add(new Entry(operation, method, PathTemplate.parse(pathTemplate), false));
        }

        private Builder add(Entry entry) {
            for (Entry e : entries) {
                if (e.method().equals(entry.method()) && e.path().sameShape(entry.path())) {
                    throw new IllegalArgumentException(entry.operation() + " (" + entry.method() + " " + entry.path()
                            + ") would shadow " + e.operation() + " (" + e.method() + " " + e.path() + ")");
                }
                if (e.operation().equals(entry.operation())) {
                    throw new IllegalArgumentException(entry.operation() + " is registered twice");
                }
            }
            entries.add(entry);
            return this;
        }

        OperationTable build() {
            return new OperationTable(entries);
        }
    }
}
