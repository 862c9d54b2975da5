package dev.localbedrock.runtime.agents;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.agent.ActionGroupBodies;
import dev.localbedrock.codecs.agent.ActionGroupDefinition;
import dev.localbedrock.codecs.agent.AgentAliasBodies;
import dev.localbedrock.codecs.agent.AgentBodies;
import dev.localbedrock.codecs.agent.AgentDefinition;
import dev.localbedrock.codecs.agent.AgentIds;
import dev.localbedrock.codecs.agent.AgentKnowledgeBaseBodies;
import dev.localbedrock.runtime.ModelTarget;
import dev.localbedrock.runtime.ServedModel;
import dev.localbedrock.runtime.state.AgentPartKind;
import dev.localbedrock.runtime.state.AgentRepository;
import dev.localbedrock.runtime.state.DuplicateResourceException;
import dev.localbedrock.runtime.state.KnowledgeBaseRepository;
import dev.localbedrock.runtime.state.StoredAgent;
import dev.localbedrock.runtime.state.StoredAgentPart;
import dev.localbedrock.runtime.state.StoredAgentVersion;
import dev.localbedrock.runtime.state.StoredKnowledgeBase;
import dev.localbedrock.runtime.state.TagLimitExceededException;
import dev.localbedrock.runtime.state.TagRepository;
import dev.localbedrock.runtime.storage.ObjectStore;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Agents and their draft's parts, PrepareAgent, numbered versions and aliases. Every change is made before the
 * answer goes out, so the transitional statuses the model has (CREATING, PREPARING, UPDATING, DELETING) are what
 * the answers say and the next Get shows where the agent came to rest: NOT_PREPARED after Create or any edit of the
 * draft, PREPARED or FAILED (with failureReasons) after Prepare.
 */
public final class AgentService {
    public static final String DRAFT = "DRAFT";
    public static final String NOT_PREPARED = "NOT_PREPARED";
    public static final String PREPARED = "PREPARED";
    public static final String FAILED = "FAILED";
    private static final String DEFAULT_ROLE_NAME = "AmazonBedrockExecutionRoleForAgents_local";
    public static final int MAX_TAGS = 50;

    private final AgentRepository repository;
    private final KnowledgeBaseRepository knowledgeBases;
    private final TagRepository tags;
    private final ObjectStore objects;
    private final Function<String, ModelTarget> models;
    private final Predicate<String> accessGranted;
    private final Map<String, URI> functions;
    private final String arnPrefix;
    private final String defaultRole;
    private final Clock clock;
    private final AgentSessions sessions;

    /**
     * @param models        resolves a foundationModel (id or ARN) to a served model
     * @param accessGranted whether a served model id may be invoked (model access)
     * @param functions     models.yaml {@code functions:}: Lambda ARN or name to the URL that runs it
     */
    public AgentService(AgentRepository repository, KnowledgeBaseRepository knowledgeBases, TagRepository tags,
                        ObjectStore objects, Function<String, ModelTarget> models, Predicate<String> accessGranted,
                        Map<String, URI> functions, String region, String account, Clock clock) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.knowledgeBases = Objects.requireNonNull(knowledgeBases, "knowledgeBases");
        this.tags = Objects.requireNonNull(tags, "tags");
        this.objects = Objects.requireNonNull(objects, "objects");
        this.models = Objects.requireNonNull(models, "models");
        this.accessGranted = Objects.requireNonNull(accessGranted, "accessGranted");
        this.functions = Map.copyOf(functions);
        this.arnPrefix = "arn:aws:bedrock:" + region + ":" + account + ":";
        this.defaultRole = "arn:aws:iam::" + account + ":role/" + DEFAULT_ROLE_NAME;
        this.clock = clock;
        this.sessions = new AgentSessions(clock);
    }

    // ---------------------------------------------------------------- invocation

    /** InvokeAgent's conversations, kept until idle for the agent's TTL. */
    public AgentSessions sessions() {
        return sessions;
    }

    /**
     * The served model an invocation of a prepared agent runs on.
     *
     * @throws BedrockException AccessDeniedException when access to it was revoked since PrepareAgent
     */
    public ModelTarget invocationModel(String foundationModel) {
        ModelTarget target = models.apply(foundationModel);
        if (!accessGranted.test(target.model().entry().id())) {
            throw new BedrockException(dev.localbedrock.codecs.BedrockErrorType.ACCESS_DENIED,
                    "You don't have access to the model " + foundationModel + " that this agent uses.");
        }
        return target;
    }

    /**
     * What an invocation of {@code agent} runs on: the provisioned throughput its alias routes through (its steps
     * then use that throughput's reserved capacity and count against its model units), else the foundation model on
     * demand.
     *
     * @throws BedrockException ResourceNotFoundException when the provisioned throughput was deleted after the alias
     *                          was routed through it; AccessDeniedException as {@link #invocationModel(String)}
     */
    public ModelTarget invocationModel(AgentSnapshot agent) {
        String reserved = agent.provisionedThroughput();
        if (reserved == null) {
            return invocationModel(agent.foundationModel());
        }
        ModelTarget target;
        try {
            target = models.apply(reserved);
        } catch (BedrockException e) {
            target = null;
        }
        if (target == null || target.capacityTag() == null) {
            throw BedrockException.notFound("The provisioned throughput " + reserved + " that alias "
                    + agent.aliasId() + " of agent " + agent.agentId() + " routes through no longer exists;"
                    + " UpdateAgentAlias with another routingConfiguration.1.provisionedThroughput, or none.");
        }
        return invocationModel(reserved);
    }

    // ---------------------------------------------------------------- agents

    /** Creates the agent; the answer says CREATING, Get then shows NOT_PREPARED. */
    public AgentBodies.Described create(AgentBodies.Create request) {
        if (request.clientToken() != null) {
            Optional<StoredAgent> earlier = repository.findByClientToken(request.clientToken());
            if (earlier.isPresent()) {
                return describe(earlier.get());
            }
        }
        AgentDefinition d = request.definition();
        if (request.tags().size() > MAX_TAGS) {
            throw tooManyTags(request.tags().size());
        }
        if (repository.list().stream().anyMatch(a -> a.name().equals(d.name()))) {
            throw agentNameTaken(d.name());
        }
        Instant now = now();
        String id = AgentIds.newId();
        StoredAgent agent = new StoredAgent(id, agentArn(id), d.name(), NOT_PREPARED, AgentBodies.stored(d),
                List.of(), null, null, 0, now, now, request.clientToken());
        try {
            repository.create(agent, request.tags());
        } catch (DuplicateResourceException e) {
            throw agentNameTaken(d.name());
        }
        return describe(agent.withStatus("CREATING", List.of(), now));
    }

    public AgentBodies.Described get(String id) {
        return describe(find(id));
    }

    public List<AgentBodies.Described> list() {
        return repository.list().stream().map(this::describe).toList();
    }

    /** Each agent's highest numbered version, for ListAgents' latestAgentVersion. */
    public Map<String, String> latestVersions() {
        Map<String, String> latest = new HashMap<>();
        for (StoredAgent a : repository.list()) {
            List<StoredAgentVersion> versions = repository.listVersions(a.id());
            if (!versions.isEmpty()) {
                latest.put(a.id(), String.valueOf(versions.get(versions.size() - 1).version()));
            }
        }
        return latest;
    }

    /** Replaces the draft's definition; the answer says UPDATING, the agent is NOT_PREPARED after. */
    public AgentBodies.Described update(String id, AgentDefinition d) {
        StoredAgent agent = find(id);
        if (!d.name().equals(agent.name()) && repository.list().stream().anyMatch(a -> a.name().equals(d.name()))) {
            throw agentNameTaken(d.name());
        }
        StoredAgent updated = agent.withDefinition(d.name(), AgentBodies.stored(d), NOT_PREPARED, now());
        try {
            repository.update(updated);
        } catch (DuplicateResourceException e) {
            throw agentNameTaken(d.name());
        }
        return describe(updated.withStatus("UPDATING", List.of(), updated.updatedAt()));
    }

    /** Deletes the agent and all it has; refused while aliases route to it unless {@code skipInUseCheck}. */
    public String delete(String id, boolean skipInUseCheck) {
        find(id);
        List<StoredAgentPart> aliases = repository.listParts(AgentPartKind.ALIAS, id);
        if (!skipInUseCheck && !aliases.isEmpty()) {
            throw new BedrockException(BedrockErrorType.CONFLICT, "Agent " + id + " has " + aliases.size()
                    + " alias(es) besides " + AgentAliasBodies.TEST_ALIAS_ID + "; delete them first or set"
                    + " skipResourceInUseCheck.");
        }
        repository.delete(id);
        return "DELETING";
    }

    /**
     * Checks the draft and freezes it for DRAFT invocations: the foundation model is a served text model with
     * access granted, each enabled action group's schema parses and its executor is a function models.yaml lists
     * (or RETURN_CONTROL), each enabled associated knowledge base is ACTIVE. Then PREPARED, else FAILED with every
     * reason. The answer says PREPARING.
     */
    public Prepared prepare(String id) {
        StoredAgent agent = find(id);
        AgentDefinition d = AgentBodies.fromStored(agent.name(), agent.draftJson());
        List<String> reasons = new ArrayList<>();
        checkModel(d.foundationModel(), reasons);
        if (d.instruction() == null) {
            reasons.add("The agent has no instruction: UpdateAgent with an instruction of 40 to 4000 characters.");
        }
        List<DraftSnapshot.Group> groups = new ArrayList<>();
        for (StoredAgentPart p : repository.listParts(AgentPartKind.ACTION_GROUP, id)) {
            ActionGroupDefinition g = ActionGroupBodies.fromStored(p.name(), p.state(), p.bodyJson());
            String text = null;
            if (g.enabled()) {
                try {
                    text = schemaText(g);
                    actionsOf(g, text);
                } catch (BedrockException e) {
                    reasons.add("Action group " + g.name() + ": " + e.getMessage());
                }
                if (g.parentSignature() == null && !g.returnsControl() && functionUrl(g.lambda()) == null) {
                    reasons.add("Action group " + g.name() + ": its actionGroupExecutor.lambda " + g.lambda()
                            + " is not a function this server knows; list it under functions: in models.yaml"
                            + " (" + (functions.isEmpty() ? "none are listed" : "listed: "
                            + String.join(", ", functions.keySet())) + ").");
                }
            } else {
                text = schemaTextOrNull(g);
            }
            groups.add(DraftSnapshot.group(p, text));
        }
        List<DraftSnapshot.Association> associations = new ArrayList<>();
        for (StoredAgentPart p : repository.listParts(AgentPartKind.KNOWLEDGE_BASE, id)) {
            AgentKnowledgeBaseBodies.Association a = association(p);
            if (a.state().equals("ENABLED")) {
                Optional<StoredKnowledgeBase> kb = knowledgeBases.find(a.knowledgeBaseId());
                if (kb.isEmpty()) {
                    reasons.add("Knowledge base " + a.knowledgeBaseId() + " no longer exists; disassociate it.");
                } else if (!kb.get().status().equals("ACTIVE")) {
                    reasons.add("Knowledge base " + a.knowledgeBaseId() + " is " + kb.get().status()
                            + ", not ACTIVE.");
                }
            }
            associations.add(new DraftSnapshot.Association(a, p.createdAt(), p.updatedAt()));
        }
        Instant now = now();
        if (!reasons.isEmpty()) {
            repository.update(agent.withStatus(FAILED, reasons.stream().map(AgentService::clip).toList(), now));
        } else {
            repository.update(agent.prepared(new DraftSnapshot(d, now, groups, associations).toJson(), now));
        }
        return new Prepared(id, "PREPARING", now);
    }

    /** PrepareAgent's answer. */
    public record Prepared(String agentId, String status, Instant preparedAt) {
    }

    private void checkModel(String modelId, List<String> reasons) {
        if (modelId == null) {
            reasons.add("The agent has no foundationModel: UpdateAgent with a text model from"
                    + " ListFoundationModels.");
            return;
        }
        ServedModel model;
        try {
            model = models.apply(modelId).model();
        } catch (BedrockException e) {
            reasons.add("The foundationModel " + modelId + " is not served here (" + e.getMessage() + ").");
            return;
        }
        if (!(model instanceof ServedModel.Text)) {
            reasons.add("The foundationModel " + modelId + " is not a text model; an agent needs one that"
                    + " generates text (ListFoundationModels byOutputModality=TEXT).");
        } else if (!accessGranted.test(model.entry().id())) {
            reasons.add("Access to the foundationModel " + model.entry().id() + " has not been granted.");
        }
    }

    // ---------------------------------------------------------------- action groups

    public ActionGroupBodies.Described createActionGroup(String agentId, String version,
                                                         ActionGroupBodies.Create request) {
        draftOnly(version);
        StoredAgent agent = find(agentId);
        if (request.clientToken() != null) {
            Optional<StoredAgentPart> earlier = repository.findPartByClientToken(AgentPartKind.ACTION_GROUP,
                    agentId, request.clientToken());
            if (earlier.isPresent()) {
                return describeGroup(earlier.get());
            }
        }
        ActionGroupDefinition d = request.definition();
        actionsOf(d, schemaText(d)); // a bad schema is refused now, not only at Prepare
        List<StoredAgentPart> groups = repository.listParts(AgentPartKind.ACTION_GROUP, agentId);
        if (groups.stream().anyMatch(g -> g.name().equals(d.name()))) {
            throw groupNameTaken(agentId, d.name());
        }
        if (d.parentSignature() != null && groups.stream().anyMatch(g -> d.parentSignature().equals(
                ActionGroupBodies.fromStored(g.name(), g.state(), g.bodyJson()).parentSignature()))) {
            throw new BedrockException(BedrockErrorType.CONFLICT, "Agent " + agentId + " already has an action"
                    + " group with parentActionGroupSignature " + d.parentSignature() + ".");
        }
        Instant now = now();
        StoredAgentPart part = new StoredAgentPart(agentId, AgentIds.newId(), d.name(), d.state(),
                ActionGroupBodies.stored(d), now, now, request.clientToken());
        try {
            repository.createPart(AgentPartKind.ACTION_GROUP, part, null, Map.of());
        } catch (DuplicateResourceException e) {
            throw groupNameTaken(agentId, d.name());
        }
        draftChanged(agent);
        return describeGroup(part);
    }

    public ActionGroupBodies.Described getActionGroup(String agentId, String version, String id) {
        return listActionGroups(agentId, version).stream().filter(g -> g.id().equals(id)).findFirst()
                .orElseThrow(() -> BedrockException.notFound("Action group " + id + " does not exist in version "
                        + version + " of agent " + agentId + "; ListAgentActionGroups lists the ones there are."));
    }

    public List<ActionGroupBodies.Described> listActionGroups(String agentId, String version) {
        find(agentId);
        if (version.equals(DRAFT)) {
            return repository.listParts(AgentPartKind.ACTION_GROUP, agentId).stream().map(this::describeGroup)
                    .toList();
        }
        StoredAgentVersion v = findVersion(agentId, version);
        return DraftSnapshot.fromJson(v.snapshotJson()).actionGroups().stream()
                .map(g -> new ActionGroupBodies.Described(agentId, version, g.id(), g.createdAt(), g.updatedAt(),
                        null, g.definition())).toList();
    }

    public ActionGroupBodies.Described updateActionGroup(String agentId, String version, String id,
                                                         ActionGroupDefinition d) {
        draftOnly(version);
        StoredAgent agent = find(agentId);
        StoredAgentPart part = findGroup(agentId, id);
        actionsOf(d, schemaText(d));
        if (!d.name().equals(part.name()) && repository.listParts(AgentPartKind.ACTION_GROUP, agentId).stream()
                .anyMatch(g -> g.name().equals(d.name()))) {
            throw groupNameTaken(agentId, d.name());
        }
        StoredAgentPart updated = part.with(d.name(), d.state(), ActionGroupBodies.stored(d), now());
        try {
            repository.updatePart(AgentPartKind.ACTION_GROUP, updated);
        } catch (DuplicateResourceException e) {
            throw groupNameTaken(agentId, d.name());
        }
        draftChanged(agent);
        return describeGroup(updated);
    }

    public void deleteActionGroup(String agentId, String version, String id) {
        draftOnly(version);
        StoredAgent agent = find(agentId);
        findGroup(agentId, id);
        repository.deletePart(AgentPartKind.ACTION_GROUP, agentId, id, null);
        draftChanged(agent);
    }

    /** The schema's text: {@code apiSchema.payload}, or the {@code apiSchema.s3} object; null for none. */
    private String schemaText(ActionGroupDefinition d) {
        JsonNode api = d.apiSchema();
        if (api == null) {
            return null;
        }
        if (api.hasNonNull("payload")) {
            return api.get("payload").asText();
        }
        String bucket = api.path("s3").path("s3BucketName").asText();
        String key = api.path("s3").path("s3ObjectKey").asText();
        byte[] bytes;
        try {
            bytes = objects.get(bucket, key).orElse(null);
        } catch (RuntimeException e) {
            throw BedrockException.validation("The apiSchema.s3 object s3://" + bucket + "/" + key
                    + " cannot be read: " + e.getMessage());
        }
        if (bytes == null) {
            throw BedrockException.validation("The apiSchema.s3 object s3://" + bucket + "/" + key
                    + " does not exist.");
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private String schemaTextOrNull(ActionGroupDefinition d) {
        try {
            return schemaText(d);
        } catch (BedrockException e) {
            return null; // a disabled group is not checked; an enabled one fails Prepare with the reason
        }
    }

    /** The group's operations; a user-input group has none. */
    private static List<ApiAction> actionsOf(ActionGroupDefinition d, String schemaText) {
        if (schemaText != null) {
            try {
                return OpenApiActions.fromOpenApi(schemaText);
            } catch (OpenApiActions.SchemaException e) {
                throw BedrockException.validation("The apiSchema of action group " + d.name() + " is not a usable"
                        + " OpenAPI 3 document: " + e.getMessage() + ".");
            }
        }
        if (d.functionSchema() != null) {
            return OpenApiActions.fromFunctions(d.functionSchema());
        }
        return List.of();
    }

    /**
     * The URL of the function models.yaml lists under {@code lambda}: the same key, else the key whose function name
     * is the same ({@code claims} and {@code arn:aws:lambda:...:function:claims} name one function, as Lambda
     * takes either).
     */
    private URI functionUrl(String lambda) {
        if (lambda == null) {
            return null;
        }
        URI url = functions.get(lambda);
        if (url != null) {
            return url;
        }
        String name = functionName(lambda);
        return functions.entrySet().stream().filter(e -> functionName(e.getKey()).equals(name))
                .map(Map.Entry::getValue).findFirst().orElse(null);
    }

    /** A Lambda ARN's function name (its qualifier dropped), or the name itself. */
    private static String functionName(String lambda) {
        int at = lambda.indexOf(":function:");
        if (at < 0) {
            return lambda;
        }
        String name = lambda.substring(at + ":function:".length());
        int qualifier = name.indexOf(':');
        return qualifier < 0 ? name : name.substring(0, qualifier);
    }

    // ---------------------------------------------------------------- knowledge-base associations

    public AgentKnowledgeBaseBodies.Described associate(String agentId, String version,
                                                        AgentKnowledgeBaseBodies.Association a) {
        draftOnly(version);
        StoredAgent agent = find(agentId);
        if (knowledgeBases.find(a.knowledgeBaseId()).isEmpty()) {
            throw BedrockException.notFound("Knowledge base " + a.knowledgeBaseId() + " does not exist;"
                    + " ListKnowledgeBases lists the ones there are.");
        }
        if (repository.findPart(AgentPartKind.KNOWLEDGE_BASE, agentId, a.knowledgeBaseId()).isPresent()) {
            throw kbAssociated(agentId, a.knowledgeBaseId());
        }
        Instant now = now();
        StoredAgentPart part = new StoredAgentPart(agentId, a.knowledgeBaseId(), a.knowledgeBaseId(), a.state(),
                associationBody(a), now, now, null);
        try {
            repository.createPart(AgentPartKind.KNOWLEDGE_BASE, part, null, Map.of());
        } catch (DuplicateResourceException e) {
            throw kbAssociated(agentId, a.knowledgeBaseId());
        }
        draftChanged(agent);
        return describeAssociation(part, DRAFT);
    }

    public AgentKnowledgeBaseBodies.Described getAssociation(String agentId, String version, String kbId) {
        return listAssociations(agentId, version).stream()
                .filter(a -> a.association().knowledgeBaseId().equals(kbId)).findFirst()
                .orElseThrow(() -> BedrockException.notFound("Knowledge base " + kbId + " is not associated with"
                        + " version " + version + " of agent " + agentId + "."));
    }

    public List<AgentKnowledgeBaseBodies.Described> listAssociations(String agentId, String version) {
        find(agentId);
        if (version.equals(DRAFT)) {
            return repository.listParts(AgentPartKind.KNOWLEDGE_BASE, agentId).stream()
                    .map(p -> describeAssociation(p, DRAFT)).toList();
        }
        StoredAgentVersion v = findVersion(agentId, version);
        return DraftSnapshot.fromJson(v.snapshotJson()).knowledgeBases().stream()
                .map(a -> new AgentKnowledgeBaseBodies.Described(agentId, version, a.createdAt(), a.updatedAt(),
                        a.association())).toList();
    }

    /** Reads the stored association so Update can keep what its body leaves out. */
    public AgentKnowledgeBaseBodies.Association association(String agentId, String version, String kbId) {
        draftOnly(version);
        find(agentId);
        return association(findAssociation(agentId, kbId));
    }

    public AgentKnowledgeBaseBodies.Described updateAssociation(String agentId, String version,
                                                                AgentKnowledgeBaseBodies.Association a) {
        draftOnly(version);
        StoredAgent agent = find(agentId);
        StoredAgentPart part = findAssociation(agentId, a.knowledgeBaseId());
        StoredAgentPart updated = part.with(part.name(), a.state(), associationBody(a), now());
        repository.updatePart(AgentPartKind.KNOWLEDGE_BASE, updated);
        draftChanged(agent);
        return describeAssociation(updated, DRAFT);
    }

    public void disassociate(String agentId, String version, String kbId) {
        draftOnly(version);
        StoredAgent agent = find(agentId);
        findAssociation(agentId, kbId);
        repository.deletePart(AgentPartKind.KNOWLEDGE_BASE, agentId, kbId, null);
        draftChanged(agent);
    }

    private static String associationBody(AgentKnowledgeBaseBodies.Association a) {
        return Json.MAPPER.createObjectNode().put("description", a.description()).toString();
    }

    private static AgentKnowledgeBaseBodies.Association association(StoredAgentPart p) {
        String description = dev.localbedrock.codecs.agent.AgentJson.parse(p.bodyJson()
                .getBytes(StandardCharsets.UTF_8)).path("description").asText();
        return new AgentKnowledgeBaseBodies.Association(p.id(), description, p.state());
    }

    // ---------------------------------------------------------------- aliases and versions

    /**
     * Creates an alias. Without routingConfiguration it makes the next numbered version from the prepared draft
     * and routes to it; with one, the version must exist. The answer says CREATING; Get shows PREPARED.
     */
    public AgentAliasBodies.Described createAlias(String agentId, AgentAliasBodies.Create request) {
        StoredAgent agent = find(agentId);
        if (request.clientToken() != null) {
            Optional<StoredAgentPart> earlier = repository.findPartByClientToken(AgentPartKind.ALIAS, agentId,
                    request.clientToken());
            if (earlier.isPresent()) {
                return describeAlias(earlier.get());
            }
        }
        AgentAliasBodies.Definition d = request.definition();
        if (d.name().equals(AgentAliasBodies.TEST_ALIAS_NAME) || aliasNameTaken(agentId, d.name(), null)) {
            throw aliasNameTaken(agentId, d.name());
        }
        if (request.tags().size() > MAX_TAGS) {
            throw tooManyTags(request.tags().size());
        }
        List<AgentAliasBodies.Route> routing = routing(agent, d.routing());
        Instant now = now();
        String id = AgentIds.newId();
        AgentAliasBodies.Definition stored = new AgentAliasBodies.Definition(d.name(), d.description(), routing);
        List<AgentAliasBodies.HistoryEvent> history = List.of(new AgentAliasBodies.HistoryEvent(routing, now,
                null));
        StoredAgentPart part = new StoredAgentPart(agentId, id, d.name(), PREPARED,
                AgentAliasBodies.storedRouting(stored, history), now, now, request.clientToken());
        try {
            repository.createPart(AgentPartKind.ALIAS, part, aliasArn(agentId, id), request.tags());
        } catch (DuplicateResourceException e) {
            throw aliasNameTaken(agentId, d.name());
        }
        AgentAliasBodies.Described described = describeAlias(part);
        return withStatus(described, "CREATING");
    }

    /** The routing an alias gets: the given version (which must exist), or a new version of the prepared draft. */
    private List<AgentAliasBodies.Route> routing(StoredAgent agent, List<AgentAliasBodies.Route> asked) {
        if (asked.isEmpty()) {
            if (!agent.status().equals(PREPARED) || agent.preparedJson() == null) {
                throw BedrockException.validation("Agent " + agent.id() + " is " + agent.status() + "; a new"
                        + " version is made from the prepared draft, so call PrepareAgent first (or give a"
                        + " routingConfiguration naming an existing version).");
            }
            int version = repository.createVersion(agent.id(), agent.preparedJson(), now());
            return List.of(new AgentAliasBodies.Route(String.valueOf(version), null));
        }
        AgentAliasBodies.Route route = asked.get(0);
        if (route.agentVersion().equals(DRAFT)) {
            throw BedrockException.validation("The routingConfiguration.1.agentVersion DRAFT is routed to by "
                    + AgentAliasBodies.TEST_ALIAS_ID + " only; name a numbered version.");
        }
        Optional<StoredAgentVersion> version = repository.findVersion(agent.id(),
                Integer.parseInt(route.agentVersion()));
        if (version.isEmpty()) {
            throw BedrockException.validation("The routingConfiguration.1.agentVersion " + route.agentVersion()
                    + " does not exist for agent " + agent.id() + "; ListAgentVersions lists the ones there are.");
        }
        if (route.provisionedThroughput() == null) {
            return List.of(route);
        }
        String foundationModel = DraftSnapshot.fromJson(version.get().snapshotJson()).definition().foundationModel();
        return List.of(new AgentAliasBodies.Route(route.agentVersion(),
                provisionedFor(route.provisionedThroughput(), route.agentVersion(), foundationModel)));
    }

    /**
     * Checks a route's provisionedThroughput: a provisioned model here (by name or ARN) serving the version's
     * foundation model, as Bedrock requires. Its ARN is what the alias keeps, so renaming the provisioned model
     * does not break the alias.
     */
    private String provisionedFor(String provisioned, String version, String foundationModel) {
        String field = "The routingConfiguration.1.provisionedThroughput " + provisioned;
        ModelTarget reserved;
        try {
            reserved = models.apply(provisioned);
        } catch (BedrockException e) {
            throw BedrockException.validation(field + " is not a provisioned throughput here (" + e.getMessage()
                    + "); ListProvisionedModelThroughputs lists the ones there are.");
        }
        if (reserved.capacityTag() == null) {
            throw BedrockException.validation(field + " is a model served on demand, not a provisioned"
                    + " throughput; give a provisioned model's name or ARN (CreateProvisionedModelThroughput).");
        }
        String served = reserved.model().entry().id();
        String agentModel;
        try {
            agentModel = models.apply(foundationModel).model().entry().id();
        } catch (BedrockException e) {
            agentModel = null; // not served any more: it cannot be the provisioned model's
        }
        if (!served.equals(agentModel)) {
            throw BedrockException.validation(field + " is for the model " + served + ", but version " + version
                    + " of the agent uses the foundationModel " + foundationModel + "; the provisioned throughput"
                    + " must be for the agent's foundation model.");
        }
        return reserved.capacityTag();
    }

    public AgentAliasBodies.Described getAlias(String agentId, String aliasId) {
        StoredAgent agent = find(agentId);
        if (aliasId.equals(AgentAliasBodies.TEST_ALIAS_ID)) {
            return testAlias(agent);
        }
        return describeAlias(findAlias(agentId, aliasId));
    }

    /** The test alias first, then the others, oldest first. */
    public List<AgentAliasBodies.Described> listAliases(String agentId) {
        StoredAgent agent = find(agentId);
        List<AgentAliasBodies.Described> all = new ArrayList<>();
        all.add(testAlias(agent));
        repository.listParts(AgentPartKind.ALIAS, agentId).forEach(p -> all.add(describeAlias(p)));
        return all;
    }

    /**
     * Renames, redescribes or reroutes an alias; a new routing closes the current history event and opens one.
     * Without routingConfiguration the routing stays. The answer says UPDATING; Get shows PREPARED.
     */
    public AgentAliasBodies.Described updateAlias(String agentId, String aliasId, AgentAliasBodies.Definition d) {
        StoredAgent agent = find(agentId);
        testAliasIsFixed(aliasId);
        StoredAgentPart part = findAlias(agentId, aliasId);
        if (d.name().equals(AgentAliasBodies.TEST_ALIAS_NAME) || aliasNameTaken(agentId, d.name(), aliasId)) {
            throw aliasNameTaken(agentId, d.name());
        }
        AgentAliasBodies.Definition before = AgentAliasBodies.definitionFromStored(part.name(), part.bodyJson());
        List<AgentAliasBodies.HistoryEvent> history = new ArrayList<>(
                AgentAliasBodies.historyFromStored(part.bodyJson()));
        List<AgentAliasBodies.Route> routing = d.routing().isEmpty() ? before.routing() : routing(agent, d.routing());
        Instant now = now();
        if (!routing.equals(before.routing())) {
            if (!history.isEmpty()) {
                AgentAliasBodies.HistoryEvent current = history.get(0);
                history.set(0, new AgentAliasBodies.HistoryEvent(current.routing(), current.startDate(), now));
            }
            history.add(0, new AgentAliasBodies.HistoryEvent(routing, now, null));
        }
        AgentAliasBodies.Definition stored = new AgentAliasBodies.Definition(d.name(), d.description(), routing);
        StoredAgentPart updated = part.with(d.name(), PREPARED, AgentAliasBodies.storedRouting(stored, history),
                now);
        try {
            repository.updatePart(AgentPartKind.ALIAS, updated);
        } catch (DuplicateResourceException e) {
            throw aliasNameTaken(agentId, d.name());
        }
        return withStatus(describeAlias(updated), "UPDATING");
    }

    public String deleteAlias(String agentId, String aliasId) {
        find(agentId);
        testAliasIsFixed(aliasId);
        findAlias(agentId, aliasId);
        repository.deletePart(AgentPartKind.ALIAS, agentId, aliasId, aliasArn(agentId, aliasId));
        return "DELETING";
    }

    /** A numbered version as GetAgentVersion describes it. */
    public AgentBodies.Described getVersion(String agentId, String version) {
        StoredAgent agent = find(agentId);
        StoredAgentVersion v = findVersion(agentId, version);
        DraftSnapshot s = DraftSnapshot.fromJson(v.snapshotJson());
        return new AgentBodies.Described(agentId, agent.arn(), PREPARED, v.createdAt(), v.createdAt(),
                s.preparedAt(), List.of(), s.definition(), roleOf(s.definition()), null);
    }

    /** DRAFT, then the numbered versions, lowest first. */
    public List<AgentBodies.VersionSummary> listVersions(String agentId) {
        StoredAgent agent = find(agentId);
        List<AgentBodies.VersionSummary> all = new ArrayList<>();
        AgentDefinition draft = AgentBodies.fromStored(agent.name(), agent.draftJson());
        all.add(new AgentBodies.VersionSummary(DRAFT, agent.name(), agent.status(), draft.description(),
                agent.createdAt(), agent.updatedAt()));
        for (StoredAgentVersion v : repository.listVersions(agentId)) {
            AgentDefinition d = DraftSnapshot.fromJson(v.snapshotJson()).definition();
            all.add(new AgentBodies.VersionSummary(String.valueOf(v.version()), d.name(), PREPARED,
                    d.description(), v.createdAt(), v.createdAt()));
        }
        return all;
    }

    /** Deletes a numbered version; refused while an alias routes to it unless {@code skipInUseCheck}. */
    public String deleteVersion(String agentId, String version, boolean skipInUseCheck) {
        find(agentId);
        StoredAgentVersion v = findVersion(agentId, version);
        if (!skipInUseCheck) {
            for (StoredAgentPart p : repository.listParts(AgentPartKind.ALIAS, agentId)) {
                boolean routes = AgentAliasBodies.definitionFromStored(p.name(), p.bodyJson()).routing().stream()
                        .anyMatch(r -> version.equals(r.agentVersion()));
                if (routes) {
                    throw new BedrockException(BedrockErrorType.CONFLICT, "Version " + version + " of agent "
                            + agentId + " is in use by alias " + p.id() + " (" + p.name() + "); reroute it first"
                            + " or set skipResourceInUseCheck.");
                }
            }
        }
        repository.deleteVersion(agentId, v.version());
        return "DELETING";
    }

    // ---------------------------------------------------------------- the read model for invocation

    /**
     * What an invocation through {@code aliasId} runs: the version the alias routes to, as frozen.
     *
     * @throws BedrockException ResourceNotFoundException for an unknown agent, alias or version;
     *                          ValidationException when the alias routes to a DRAFT never prepared
     */
    public AgentSnapshot resolveForInvocation(String agentId, String aliasId) {
        StoredAgent agent = find(agentId);
        AgentAliasBodies.Described alias = getAlias(agentId, aliasId);
        AgentAliasBodies.Route route = alias.definition().routing().isEmpty() ? null
                : alias.definition().routing().get(0);
        String version = route == null ? DRAFT : route.agentVersion();
        String json;
        if (version.equals(DRAFT)) {
            if (agent.preparedJson() == null) {
                throw BedrockException.validation("Agent " + agentId + " has not been prepared; call PrepareAgent"
                        + " before invoking it.");
            }
            json = agent.preparedJson();
        } else {
            json = findVersion(agentId, version).snapshotJson();
        }
        DraftSnapshot s = DraftSnapshot.fromJson(json);
        List<AgentSnapshot.ActionGroup> groups = new ArrayList<>();
        for (DraftSnapshot.Group g : s.actionGroups()) {
            ActionGroupDefinition d = g.definition();
            if (d.enabled()) {
                groups.add(new AgentSnapshot.ActionGroup(g.id(), d.name(), d.description(), d.parentSignature(),
                        d.lambda(), functionUrl(d.lambda()), d.returnsControl(), actionsOf(d, g.schemaText())));
            }
        }
        List<AgentSnapshot.KnowledgeBase> kbs = s.knowledgeBases().stream()
                .filter(a -> a.association().state().equals("ENABLED"))
                .map(a -> new AgentSnapshot.KnowledgeBase(a.association().knowledgeBaseId(),
                        a.association().description())).toList();
        AgentDefinition d = s.definition();
        return new AgentSnapshot(agentId, agent.arn(), d.name(), alias.id(), alias.arn(), version, d.instruction(),
                d.foundationModel(), route == null ? null : route.provisionedThroughput(), d.idleSessionTtlSeconds(),
                d.promptOverride(), groups, kbs);
    }

    // ---------------------------------------------------------------- tags

    /** Whether {@code arn} is an agent's or alias's ARN (tagging routes by it). */
    public boolean isAgentArn(String arn) {
        return arn != null && (arn.startsWith(arnPrefix + "agent/") || arn.startsWith(arnPrefix + "agent-alias/"));
    }

    public void tag(String resourceArn, Map<String, String> add) {
        String arn = taggable(resourceArn);
        try {
            tags.tag(arn, add, MAX_TAGS);
        } catch (TagLimitExceededException e) {
            throw tooManyTags(tags.list(arn).size() + add.size());
        }
    }

    public void untag(String resourceArn, Collection<String> keys) {
        tags.untag(taggable(resourceArn), keys);
    }

    public SortedMap<String, String> listTags(String resourceArn) {
        return tags.list(taggable(resourceArn));
    }

    private String taggable(String arn) {
        String rest = arn.substring(arnPrefix.length());
        boolean exists;
        if (rest.startsWith("agent/")) {
            exists = repository.find(rest.substring("agent/".length())).isPresent();
        } else {
            String[] ids = rest.substring("agent-alias/".length()).split("/", -1);
            exists = ids.length == 2 && repository.findPart(AgentPartKind.ALIAS, ids[0], ids[1]).isPresent();
        }
        if (!exists) {
            throw BedrockException.notFound("The resource " + arn + " is not found.");
        }
        return arn;
    }

    // ---------------------------------------------------------------- lookups and answers

    /** Any edit of the draft: it must be prepared again before DRAFT invocations see it. */
    private void draftChanged(StoredAgent agent) {
        StoredAgent current = repository.find(agent.id()).orElse(agent);
        repository.update(current.withStatus(NOT_PREPARED, List.of(), now()));
    }

    /** Action groups and associations change only in DRAFT: numbered versions are immutable. */
    private static void draftOnly(String version) {
        if (!DRAFT.equals(version)) {
            throw BedrockException.validation("1 validation error detected: Value '" + version + "' at"
                    + " 'agentVersion' failed to satisfy constraint: Member must satisfy regular expression pattern:"
                    + " ^DRAFT$ (numbered versions cannot be changed)");
        }
    }

    private StoredAgent find(String id) {
        return repository.find(id).orElseThrow(() -> BedrockException.notFound("Agent " + id
                + " does not exist; ListAgents lists the ones there are."));
    }

    private StoredAgentPart findGroup(String agentId, String id) {
        return repository.findPart(AgentPartKind.ACTION_GROUP, agentId, id).orElseThrow(() ->
                BedrockException.notFound("Action group " + id + " does not exist in the DRAFT of agent " + agentId
                        + "; ListAgentActionGroups lists the ones there are."));
    }

    private StoredAgentPart findAssociation(String agentId, String kbId) {
        return repository.findPart(AgentPartKind.KNOWLEDGE_BASE, agentId, kbId).orElseThrow(() ->
                BedrockException.notFound("Knowledge base " + kbId + " is not associated with the DRAFT of agent "
                        + agentId + "."));
    }

    private StoredAgentPart findAlias(String agentId, String aliasId) {
        return repository.findPart(AgentPartKind.ALIAS, agentId, aliasId).orElseThrow(() ->
                BedrockException.notFound("Alias " + aliasId + " does not exist for agent " + agentId
                        + "; ListAgentAliases lists the ones there are."));
    }

    private StoredAgentVersion findVersion(String agentId, String version) {
        Optional<StoredAgentVersion> v = Optional.empty();
        try {
            v = repository.findVersion(agentId, Integer.parseInt(version));
        } catch (NumberFormatException e) {
            // not a number: not found below
        }
        return v.orElseThrow(() -> BedrockException.notFound("Version " + version + " of agent " + agentId
                + " does not exist; ListAgentVersions lists the ones there are."));
    }

    private boolean aliasNameTaken(String agentId, String name, String except) {
        return repository.listParts(AgentPartKind.ALIAS, agentId).stream()
                .anyMatch(p -> p.name().equals(name) && !p.id().equals(except));
    }

    private static void testAliasIsFixed(String aliasId) {
        if (aliasId.equals(AgentAliasBodies.TEST_ALIAS_ID)) {
            throw BedrockException.validation("The alias " + AgentAliasBodies.TEST_ALIAS_ID + " ("
                    + AgentAliasBodies.TEST_ALIAS_NAME + ") always routes to DRAFT; it cannot be changed or"
                    + " deleted.");
        }
    }

    private AgentAliasBodies.Described testAlias(StoredAgent agent) {
        List<AgentAliasBodies.Route> draft = List.of(new AgentAliasBodies.Route(DRAFT, null));
        return new AgentAliasBodies.Described(agent.id(), AgentAliasBodies.TEST_ALIAS_ID,
                aliasArn(agent.id(), AgentAliasBodies.TEST_ALIAS_ID), PREPARED, agent.createdAt(), agent.createdAt(),
                null, new AgentAliasBodies.Definition(AgentAliasBodies.TEST_ALIAS_NAME,
                "The test alias: it routes to the DRAFT version.", draft), List.of());
    }

    private AgentBodies.Described describe(StoredAgent a) {
        AgentDefinition d = AgentBodies.fromStored(a.name(), a.draftJson());
        return new AgentBodies.Described(a.id(), a.arn(), a.status(), a.createdAt(), a.updatedAt(), a.preparedAt(),
                a.failureReasons(), d, roleOf(d), a.clientToken());
    }

    private String roleOf(AgentDefinition d) {
        return d.roleArn() != null ? d.roleArn() : defaultRole;
    }

    private ActionGroupBodies.Described describeGroup(StoredAgentPart p) {
        return new ActionGroupBodies.Described(p.agentId(), DRAFT, p.id(), p.createdAt(), p.updatedAt(),
                p.clientToken(), ActionGroupBodies.fromStored(p.name(), p.state(), p.bodyJson()));
    }

    private static AgentKnowledgeBaseBodies.Described describeAssociation(StoredAgentPart p, String version) {
        return new AgentKnowledgeBaseBodies.Described(p.agentId(), version, p.createdAt(), p.updatedAt(),
                association(p));
    }

    private AgentAliasBodies.Described describeAlias(StoredAgentPart p) {
        return new AgentAliasBodies.Described(p.agentId(), p.id(), aliasArn(p.agentId(), p.id()), p.state(),
                p.createdAt(), p.updatedAt(), p.clientToken(),
                AgentAliasBodies.definitionFromStored(p.name(), p.bodyJson()),
                AgentAliasBodies.historyFromStored(p.bodyJson()));
    }

    private static AgentAliasBodies.Described withStatus(AgentAliasBodies.Described a, String status) {
        return new AgentAliasBodies.Described(a.agentId(), a.id(), a.arn(), status, a.createdAt(), a.updatedAt(),
                a.clientToken(), a.definition(), a.history());
    }

    public String agentArn(String id) {
        return arnPrefix + "agent/" + id;
    }

    public String aliasArn(String agentId, String aliasId) {
        return arnPrefix + "agent-alias/" + agentId + "/" + aliasId;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private static String clip(String reason) {
        return reason.length() > 2048 ? reason.substring(0, 2048) : reason;
    }

    private static BedrockException tooManyTags(int count) {
        return new BedrockException(BedrockErrorType.SERVICE_QUOTA_EXCEEDED, "A resource has at most " + MAX_TAGS
                + " tags; this one would have " + count + ".");
    }

    private static BedrockException agentNameTaken(String name) {
        return new BedrockException(BedrockErrorType.CONFLICT, "An agent named " + name
                + " already exists; names are unique.");
    }

    private static BedrockException groupNameTaken(String agentId, String name) {
        return new BedrockException(BedrockErrorType.CONFLICT, "Agent " + agentId + " already has an action group"
                + " named " + name + "; names are unique within an agent.");
    }

    private static BedrockException kbAssociated(String agentId, String kbId) {
        return new BedrockException(BedrockErrorType.CONFLICT, "Knowledge base " + kbId + " is already associated"
                + " with agent " + agentId + ".");
    }

    private static BedrockException aliasNameTaken(String agentId, String name) {
        return new BedrockException(BedrockErrorType.CONFLICT, "Agent " + agentId + " already has an alias named "
                + name + "; names are unique within an agent.");
    }
}
