package dev.localbedrock.runtime.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.agent.ActionGroupDefinition;
import dev.localbedrock.codecs.chat.ChatMessage;
import dev.localbedrock.codecs.chat.ChatRole;
import dev.localbedrock.codecs.chat.ContentBlock;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One InvokeAgent turn: the ReAct loop. Each step renders the prompt (the instruction and the operations, the
 * session's earlier turns, the question, then this turn's calls and observations), generates one JSON action
 * constrained to {@link ActionSchemas}, checks it against the full schema (resampling up to
 * {@value #ATTEMPTS} times), and either calls the operation's function and observes its answer, searches an
 * associated knowledge base and observes the chunks found (they become the answer's citations), asks the user, or
 * answers. At most
 * {@value #MAX_STEPS} steps: the last may only answer, so every turn that is not cut short ends with an answer.
 * Every step's events share one {@code traceId}. Runs on the orchestration pool, blocking on the model and the
 * function; it stops as soon as the client goes away.
 */
public final class AgentOrchestrator {
    static final int MAX_STEPS = 10;
    static final int ATTEMPTS = 3;
    /** How much of a function's answer the next prompt shows (the trace carries it whole). */
    static final int OBSERVATION_SHOWN = 1000;
    /** A search's results share that room. */
    static final int RESULTS_SHOWN = KnowledgeSearch.RESULTS;
    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * Tests only: outputs to use instead of generating, per agent id, one per orchestration step until used up
     * (random-weight models choose at random, so a test of one path forces its first action). Each is still
     * validated against the step's schema like a generated one.
     */
    static final Map<String, Deque<String>> FORCED_ACTIONS = new ConcurrentHashMap<>();

    /** What the caller sent for this turn. */
    public record Turn(String sessionId, String inputText, boolean enableTrace,
                       Map<String, String> promptSessionAttributes) {
    }

    private final AgentSnapshot agent;
    private final AgentSessions.Session session;
    private final OrchestrationModel model;
    private final FunctionInvoker functions;
    private final KnowledgeSearch knowledge;
    private final TurnEvents events;
    private final Clock clock;
    private final InferenceSettings settings;

    public AgentOrchestrator(AgentSnapshot agent, AgentSessions.Session session, OrchestrationModel model,
                             FunctionInvoker functions, KnowledgeSearch knowledge, TurnEvents events, Clock clock) {
        this.agent = agent;
        this.session = session;
        this.model = model;
        this.functions = functions;
        this.knowledge = knowledge;
        this.events = events;
        this.clock = clock;
        this.settings = InferenceSettings.of(agent.promptOverride());
    }

    /** Runs the turn to its end (an answer, a failure, or the client gone). */
    public void run(Turn turn) throws InterruptedException {
        List<ChatMessage> scratchpad = new ArrayList<>();
        References references = new References();
        synchronized (session) { // one turn of a session at a time
            for (int step = 1; step <= MAX_STEPS; step++) {
                if (!events.open()) {
                    return;
                }
                String traceId = HexFormat.of().formatHex(randomBytes());
                ActionSchemas schemas = ActionSchemas.of(agent, step == MAX_STEPS);
                JsonNode action;
                try {
                    action = decide(turn, schemas, scratchpad, traceId);
                } catch (OrchestrationModel.Unavailable e) {
                    if (events.open()) {
                        failure(turn, traceId, e.getMessage());
                        events.dependencyFailed(e.getMessage(), agent.foundationModel());
                    }
                    return;
                }
                if (action == null) {
                    return; // failed and reported
                }
                String thought = action.path("thought").asText();
                trace(turn, "rationale", Json.MAPPER.createObjectNode().put("traceId", traceId)
                        .put("text", thought));
                String kind = action.path("action").asText();
                if ("answer".equals(kind) || "ask_user".equals(kind)) {
                    boolean asking = "ask_user".equals(kind);
                    String text = action.path(asking ? "question" : "text").asText();
                    ObjectNode observation = Json.MAPPER.createObjectNode().put("traceId", traceId)
                            .put("type", asking ? "ASK_USER" : "FINISH");
                    observation.putObject("finalResponse").put("text", text);
                    trace(turn, "observation", observation);
                    session.addTurn(new AgentSessions.Turn(turn.inputText(), text));
                    events.chunk(text, asking ? Json.MAPPER.createArrayNode() : references.citations(text));
                    events.end();
                    return;
                }
                if ("search".equals(kind)) {
                    if (!search(turn, traceId, action, references, scratchpad)) {
                        return;
                    }
                    continue;
                }
                ActionSchemas.Callable callable = schemas.callable(action);
                ObjectNode input = Json.MAPPER.createObjectNode().put("traceId", traceId)
                        .put("invocationType", "ACTION_GROUP");
                ObjectNode group = input.putObject("actionGroupInvocationInput")
                        .put("actionGroupName", callable.group().name());
                ObjectNode event = FunctionInvoker.event(agent, turn.sessionId(), turn.inputText(), callable, action,
                        session.attributes(), turn.promptSessionAttributes());
                if (callable.action().isFunction()) {
                    group.put("function", callable.action().apiPath());
                } else {
                    group.put("apiPath", callable.action().apiPath()).put("verb", callable.action().verb());
                }
                group.set("parameters", event.get("parameters"));
                if (event.has("requestBody")) {
                    // The trace's content maps to the property list itself; the Lambda event wraps it.
                    group.putObject("requestBody").putObject("content").set("application/json",
                            event.path("requestBody").path("content").path("application/json").get("properties"));
                }
                group.put("executionType", "LAMBDA");
                trace(turn, "invocationInput", input);
                FunctionInvoker.Observation observed;
                try {
                    observed = functions.invoke(callable.group().functionUrl(), event);
                } catch (FunctionInvoker.Failure e) {
                    String message = "The function of action group " + callable.group().name() + " failed: "
                            + e.getMessage();
                    failure(turn, traceId, message);
                    events.dependencyFailed(message, "Lambda");
                    return;
                }
                if (!observed.sessionAttributes().isEmpty()) {
                    session.replaceAttributes(observed.sessionAttributes());
                }
                ObjectNode observation = Json.MAPPER.createObjectNode().put("traceId", traceId)
                        .put("type", "ACTION_GROUP");
                observation.putObject("actionGroupInvocationOutput").put("text", observed.text());
                trace(turn, "observation", observation);
                scratchpad.add(new ChatMessage(ChatRole.ASSISTANT, List.of(new ContentBlock.Text(action.toString()))));
                String shown = observed.text().length() > OBSERVATION_SHOWN
                        ? observed.text().substring(0, OBSERVATION_SHOWN) : observed.text();
                scratchpad.add(new ChatMessage(ChatRole.USER, List.of(new ContentBlock.Text(
                        "Observation from " + callable.action().apiPath() + ": " + shown))));
            }
        }
    }

    /**
     * A {@code search} step: the knowledge base's top {@value KnowledgeSearch#RESULTS} chunks for the query, traced
     * as a KNOWLEDGE_BASE lookup and kept for the answer's citations. False once a failure was reported.
     */
    private boolean search(Turn turn, String traceId, JsonNode action, References references,
                           List<ChatMessage> scratchpad) {
        String kbId = action.path("knowledgeBaseId").asText();
        String query = action.path("query").asText();
        ObjectNode input = Json.MAPPER.createObjectNode().put("traceId", traceId)
                .put("invocationType", "KNOWLEDGE_BASE");
        input.putObject("knowledgeBaseLookupInput").put("knowledgeBaseId", kbId).put("text", query);
        trace(turn, "invocationInput", input);
        List<KnowledgeSearch.Reference> found;
        try {
            found = knowledge.search(kbId, query);
        } catch (KnowledgeSearch.Failure e) {
            String message = "The lookup in knowledge base " + kbId + " failed: " + e.getMessage();
            failure(turn, traceId, message);
            events.dependencyFailed(message, "KnowledgeBase");
            return false;
        }
        references.addAll(found);
        ObjectNode observation = Json.MAPPER.createObjectNode().put("traceId", traceId)
                .put("type", "KNOWLEDGE_BASE");
        ArrayNode retrieved = observation.putObject("knowledgeBaseLookupOutput").putArray("retrievedReferences");
        found.forEach(r -> retrieved.add(References.json(r)));
        trace(turn, "observation", observation);
        StringBuilder shown = new StringBuilder("Search results from knowledge base " + kbId + ":");
        for (int i = 0; i < found.size(); i++) {
            String text = found.get(i).text();
            shown.append("\n[").append(i + 1).append("] ")
                    .append(text.length() > OBSERVATION_SHOWN / RESULTS_SHOWN
                            ? text.substring(0, OBSERVATION_SHOWN / RESULTS_SHOWN) : text);
        }
        if (found.isEmpty()) {
            shown.append(" nothing found.");
        }
        scratchpad.add(new ChatMessage(ChatRole.ASSISTANT, List.of(new ContentBlock.Text(action.toString()))));
        scratchpad.add(new ChatMessage(ChatRole.USER, List.of(new ContentBlock.Text(shown.toString()))));
        return true;
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return b; // 16 hex characters: the model's traceId is 2..16
    }

    /**
     * The step's action: generated, parsed and validated, resampled when the token limit cut it or the full
     * schema refuses it. Null once a failure was reported (after {@value #ATTEMPTS} invalid outputs).
     */
    private JsonNode decide(Turn turn, ActionSchemas schemas, List<ChatMessage> scratchpad, String traceId)
            throws OrchestrationModel.Unavailable, InterruptedException {
        String prompt = model.render(List.of(systemPrompt(schemas)), messages(turn, scratchpad), settings);
        ObjectNode invocation = Json.MAPPER.createObjectNode().put("traceId", traceId).put("text", prompt)
                .put("type", "ORCHESTRATION").put("foundationModel", agent.foundationModel());
        invocation.set("inferenceConfiguration", settings.toJson());
        trace(turn, "modelInvocationInput", invocation);
        String problem = null;
        Deque<String> forcedQueue = FORCED_ACTIONS.get(agent.agentId());
        String forced = forcedQueue == null ? null : forcedQueue.poll();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            OrchestrationModel.Output out = attempt == 0 && forced != null
                    ? new OrchestrationModel.Output(forced, 0, 0, true)
                    : model.generate(prompt, schemas.grammar(), settings);
            ObjectNode output = Json.MAPPER.createObjectNode().put("traceId", traceId);
            output.putObject("rawResponse").put("content", out.text());
            output.putObject("metadata").putObject("usage").put("inputTokens", out.inputTokens())
                    .put("outputTokens", out.outputTokens());
            trace(turn, "modelInvocationOutput", output);
            if (!out.complete()) {
                problem = "the model's output was cut at " + settings.maximumLength() + " tokens";
                continue;
            }
            JsonNode parsed;
            try {
                parsed = Json.MAPPER.readTree(out.text());
            } catch (IOException e) {
                problem = "the model's output is not JSON";
                continue;
            }
            List<String> violations = parsed == null ? List.of("empty output") : schemas.validate(parsed);
            if (violations.isEmpty()) {
                return parsed;
            }
            problem = "the model's output does not match the action schema: " + String.join("; ", violations);
        }
        String message = "The agent's model gave no valid action in " + ATTEMPTS + " attempts: " + problem + ".";
        failure(turn, traceId, message);
        events.dependencyFailed(message, agent.foundationModel());
        return null;
    }

    private String systemPrompt(ActionSchemas schemas) {
        StringBuilder s = new StringBuilder(agent.instruction() == null ? "" : agent.instruction());
        s.append("\nAnswer with one JSON object: either call an operation or answer the user.");
        for (AgentSnapshot.ActionGroup g : agent.actionGroups()) {
            if (ActionGroupDefinition.USER_INPUT.equals(g.parentSignature())) {
                s.append("\n- ask_user: ask the user for information you need and do not have");
                continue;
            }
            if (g.functionUrl() == null && !g.returnControl()) {
                continue;
            }
            for (ApiAction a : g.actions()) {
                s.append("\n- ").append(g.name()).append(' ').append(a.verb() == null ? "" : a.verb() + " ")
                        .append(a.apiPath()).append(": ").append(a.description());
            }
        }
        for (AgentSnapshot.KnowledgeBase kb : agent.knowledgeBases()) {
            s.append("\n- search knowledge base ").append(kb.knowledgeBaseId()).append(": ")
                    .append(kb.description() == null ? "" : kb.description());
        }
        return s.toString();
    }

    private List<ChatMessage> messages(Turn turn, List<ChatMessage> scratchpad) {
        List<ChatMessage> m = new ArrayList<>();
        for (AgentSessions.Turn t : session.recentTurns()) {
            m.add(new ChatMessage(ChatRole.USER, List.of(new ContentBlock.Text(t.inputText()))));
            m.add(new ChatMessage(ChatRole.ASSISTANT, List.of(new ContentBlock.Text(t.answer()))));
        }
        m.add(new ChatMessage(ChatRole.USER, List.of(new ContentBlock.Text(turn.inputText()))));
        m.addAll(scratchpad);
        return m;
    }

    private void failure(Turn turn, String traceId, String reason) {
        if (!turn.enableTrace()) {
            return;
        }
        ObjectNode part = part(turn);
        part.putObject("trace").putObject("failureTrace").put("traceId", traceId).put("failureReason", reason)
                .put("failureCode", 424);
        events.trace(part);
    }

    /** One orchestration trace event holding one union member, when the caller asked for traces. */
    private void trace(Turn turn, String member, ObjectNode value) {
        if (!turn.enableTrace()) {
            return;
        }
        ObjectNode part = part(turn);
        part.putObject("trace").putObject("orchestrationTrace").set(member, value);
        events.trace(part);
    }

    private ObjectNode part(Turn turn) {
        return Json.MAPPER.createObjectNode().put("agentId", agent.agentId()).put("agentAliasId", agent.aliasId())
                .put("sessionId", turn.sessionId()).put("agentVersion", agent.version())
                .put("eventTime", clock.instant().toString());
    }
}
