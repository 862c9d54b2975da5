package dev.localbedrock.runtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.agent.RetrieveBodies;
import dev.localbedrock.codecs.chat.ChatMessage;
import dev.localbedrock.codecs.chat.ChatRequest;
import dev.localbedrock.codecs.eventstream.EventStreamEncoder;
import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.codecs.inference.LikelihoodMode;
import dev.localbedrock.codecs.inference.OutputConstraint;
import dev.localbedrock.codecs.inference.PromptTruncation;
import dev.localbedrock.codecs.inference.SamplingParameters;
import dev.localbedrock.codecs.inference.StopReason;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.runtime.ModelTarget;
import dev.localbedrock.runtime.ServedModel;
import dev.localbedrock.runtime.agents.AgentOrchestrator;
import dev.localbedrock.runtime.agents.AgentService;
import dev.localbedrock.runtime.agents.AgentSessions;
import dev.localbedrock.runtime.agents.AgentSnapshot;
import dev.localbedrock.runtime.agents.FunctionInvoker;
import dev.localbedrock.runtime.agents.InferenceSettings;
import dev.localbedrock.runtime.agents.KnowledgeSearch;
import dev.localbedrock.runtime.agents.OrchestrationModel;
import dev.localbedrock.runtime.agents.TurnEvents;
import dev.localbedrock.runtime.knowledge.KnowledgeBaseService;
import io.netty.channel.ChannelHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * bedrock-agent-runtime's InvokeAgent on the wire (restJson1, API 2023-07-26): the request checked and the alias
 * resolved on the decode thread (so a bad request, an unknown agent or an unprepared one is a plain JSON error), then
 * the turn handed to the bounded orchestration pool, which streams {@code chunk} and {@code trace} events back. A
 * full pool is a ThrottlingException before any header goes out.
 */
final class InvokeAgentApi {
    private static final Logger log = LoggerFactory.getLogger(InvokeAgentApi.class);
    private static final Pattern SESSION_ID = Pattern.compile("[0-9a-zA-Z._:-]{2,100}");
    private static final Pattern ID = Pattern.compile("[0-9a-zA-Z]{1,10}");
    private static final int INPUT_MAX = 25_000_000;
    static final String AGENT_CONTENT_TYPE = "x-amzn-bedrock-agent-content-type";
    static final String SESSION_HEADER = "x-amz-bedrock-agent-session-id";
    private static final AtomicInteger THREADS = new AtomicInteger();
    /** The loops block on the model and on functions, so they never run on an event loop or a decode thread. */
    private static final ThreadPoolExecutor ORCHESTRATORS = new ThreadPoolExecutor(8, 8, 60, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(64), r -> {
                Thread t = new Thread(r, "agent-orchestrator-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
    private static final FunctionInvoker FUNCTIONS = new FunctionInvoker();

    private InvokeAgentApi() {
    }

    static void handle(RuntimeApi api, ChannelHandlerContext ctx, byte[] body, ResolvedOperation call,
                       CallRecord record) {
        AgentService agents = api.agents();
        if (agents == null) {
            throw BedrockException.notFound("Agents are not kept by this server.");
        }
        String agentId = checked("agentId", call.pathParameter("agentId"), ID, "^[0-9a-zA-Z]+$, 10 characters");
        String aliasId = checked("agentAliasId", call.pathParameter("agentAliasId"), ID,
                "^[0-9a-zA-Z]+$, 10 characters");
        String sessionId = checked("sessionId", call.pathParameter("sessionId"), SESSION_ID,
                "^[0-9a-zA-Z._:-]+$, 2 to 100 characters");
        JsonNode request = parse(body);
        String inputText = request.path("inputText").asText("");
        if (request.has("inputText") && !request.get("inputText").isTextual()) {
            throw BedrockException.validation("inputText must be a string.");
        }
        if (inputText.length() > INPUT_MAX) {
            throw BedrockException.validation("inputText has " + inputText.length()
                    + " characters; it must have at most " + INPUT_MAX + ".");
        }
        boolean enableTrace = request.path("enableTrace").asBoolean(false);
        boolean endSession = request.path("endSession").asBoolean(false);
        JsonNode state = request.path("sessionState");
        JsonNode results = state.get("returnControlInvocationResults");
        if (results != null && !results.isNull()) {
            checkResults(results);
        } else {
            results = null;
        }
        String invocationId = state.path("invocationId").asText(null);
        Map<String, String> sessionAttributes = strings(state.get("sessionAttributes"), "sessionAttributes");
        Map<String, String> promptAttributes = strings(state.get("promptSessionAttributes"),
                "promptSessionAttributes");
        AgentSnapshot agent = agents.resolveForInvocation(agentId, aliasId);
        ModelTarget target = agents.invocationModel(agent); // a provisioned throughput's capacity, or on demand
        if (!(target.model() instanceof ServedModel.Text text) || text.chat() == null) {
            throw BedrockException.validation("The agent's foundation model " + agent.foundationModel()
                    + " cannot hold a conversation.");
        }
        if (inputText.isEmpty() && !endSession && results == null) {
            throw BedrockException.validation("inputText must not be empty.");
        }
        record.model(target.model().entry().id());
        AgentStream stream = new AgentStream(ctx, record, sessionId);
        AgentSessions.Session session = agents.sessions().open(agentId, aliasId, sessionId,
                agent.idleSessionTtlSeconds());
        if (results != null) { // the results must answer the invocation this session returned
            String waiting = session.waitingInvocationId();
            if (waiting == null || !waiting.equals(invocationId)) {
                throw BedrockException.validation("sessionState.invocationId " + invocationId
                        + (waiting == null ? " is not waiting for results: this session returned no control."
                        : " does not match the invocation this session returned control for."));
            }
        }
        session.putAttributes(sessionAttributes);
        JsonNode returnResults = results;
        Runnable turn = () -> {
            try {
                if (!inputText.isEmpty() || returnResults != null) {
                    new AgentOrchestrator(agent, session, new Model(text, target, ctx), FUNCTIONS,
                            knowledgeSearch(api), stream, Clock.systemUTC()).run(new AgentOrchestrator.Turn(
                            sessionId, inputText, enableTrace, promptAttributes, invocationId, returnResults));
                } else {
                    stream.end();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stream.dependencyFailed("The agent was stopped.", agent.foundationModel());
            } catch (RuntimeException e) {
                log.error("InvokeAgent {} failed", record.requestId(), e);
                stream.dependencyFailed("The agent failed: " + e.getClass().getSimpleName(),
                        agent.foundationModel());
            } finally {
                stream.endIfOpen();
                if (endSession) {
                    agents.sessions().end(agentId, aliasId, sessionId);
                }
            }
        };
        try {
            ORCHESTRATORS.execute(turn);
        } catch (RejectedExecutionException e) {
            throw new BedrockException(BedrockErrorType.THROTTLING,
                    "Too many agent invocations are running; retry shortly.");
        }
    }

    /**
     * {@code returnControlInvocationResults}: a non-empty list whose members are each an {@code apiResult} or a
     * {@code functionResult} naming its {@code actionGroup}, with a {@code responseBody} map of content types to
     * {@code {body}}.
     */
    private static void checkResults(JsonNode results) {
        if (!results.isArray() || results.isEmpty()) {
            throw BedrockException.validation("sessionState.returnControlInvocationResults must be a list of 1 or"
                    + " more results.");
        }
        for (int i = 0; i < results.size(); i++) {
            JsonNode r = results.get(i);
            String at = "sessionState.returnControlInvocationResults[" + i + "]";
            JsonNode result = r.has("apiResult") ? r.get("apiResult") : r.get("functionResult");
            if (result == null || !result.isObject() || r.size() != 1) {
                throw BedrockException.validation(at + " must hold exactly one of apiResult, functionResult.");
            }
            if (!result.path("actionGroup").isTextual()) {
                throw BedrockException.validation(at + ".actionGroup is required.");
            }
            JsonNode body = result.get("responseBody");
            if (body != null && !body.isObject()) {
                throw BedrockException.validation(at + ".responseBody must be a map of content types to {body}.");
            }
        }
    }

    /** The agent's lookups run Retrieve's search on the server's knowledge bases. */
    private static KnowledgeSearch knowledgeSearch(RuntimeApi api) {
        return (knowledgeBaseId, query) -> {
            KnowledgeBaseService kbs = api.knowledgeBases();
            if (kbs == null) {
                throw new KnowledgeSearch.Failure("Knowledge bases are not kept by this server.");
            }
            try {
                return kbs.retrieval().retrieve(knowledgeBaseId,
                                new RetrieveBodies.Request(query, KnowledgeSearch.RESULTS, null)).stream()
                        .map(r -> new KnowledgeSearch.Reference(r.text(), r.uri(), r.metadata())).toList();
            } catch (BedrockException e) {
                throw new KnowledgeSearch.Failure(e.getMessage());
            }
        };
    }

    private static String checked(String name, String value, Pattern pattern, String rule) {
        if (value == null || !pattern.matcher(value).matches()) {
            throw BedrockException.validation("1 validation error detected: Value '" + value + "' at '" + name
                    + "' failed to satisfy constraint: Member must satisfy " + rule + ".");
        }
        return value;
    }

    private static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            return Json.MAPPER.createObjectNode();
        }
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            if (n == null || !n.isObject()) {
                throw BedrockException.validation("The request body must be a JSON object.");
            }
            return n;
        } catch (IOException e) {
            throw BedrockException.validation("The request body is not valid JSON.");
        }
    }

    private static Map<String, String> strings(JsonNode node, String name) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw BedrockException.validation("sessionState." + name + " must be a map of strings.");
        }
        node.fields().forEachRemaining(f -> {
            if (!f.getValue().isTextual()) {
                throw BedrockException.validation("sessionState." + name + "." + f.getKey() + " must be a string.");
            }
            out.put(f.getKey(), f.getValue().textValue());
        });
        return out;
    }

    /** The InvokeAgent event stream; every call hops to the connection's event loop. */
    static final class AgentStream implements TurnEvents {
        private final ChannelHandlerContext ctx;
        private final EventStreamResponse wire;
        private final Map<String, String> headers;
        private boolean ended; // event loop only

        AgentStream(ChannelHandlerContext ctx, CallRecord call, String sessionId) {
            this.ctx = ctx;
            this.wire = new EventStreamResponse(ctx, call);
            this.headers = Map.of(AGENT_CONTENT_TYPE, "application/json", SESSION_HEADER, sessionId);
        }

        @Override
        public boolean open() {
            return ctx.channel().isActive();
        }

        private void onLoop(Runnable r) {
            ctx.executor().execute(() -> {
                if (!ended) {
                    wire.sendHeaders(headers);
                    r.run();
                }
            });
        }

        @Override
        public void trace(ObjectNode tracePart) {
            event("trace", tracePart);
        }

        @Override
        public void chunk(String text, ArrayNode citations) {
            ObjectNode payload = Json.MAPPER.createObjectNode().put("bytes",
                    Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)));
            payload.putObject("attribution").set("citations", citations);
            event("chunk", payload);
        }

        private void event(String type, ObjectNode payload) {
            byte[] frame = EventStreamEncoder.event(type, payload.toString().getBytes(StandardCharsets.UTF_8));
            onLoop(() -> {
                if (wire.open()) {
                    wire.write(frame);
                    wire.flush();
                }
            });
        }

        @Override
        public void returnControl(ObjectNode payload) {
            event("returnControl", payload);
            end();
        }

        @Override
        public void dependencyFailed(String message, String resourceName) {
            ObjectNode payload = Json.MAPPER.createObjectNode().put("message", message)
                    .put("resourceName", resourceName);
            String member = BedrockErrorType.DEPENDENCY_FAILED.streamMemberName();
            byte[] frame = EventStreamEncoder.encode(List.of(Map.entry(":exception-type", member),
                    Map.entry(":content-type", "application/json"), Map.entry(":message-type", "exception")),
                    payload.toString().getBytes(StandardCharsets.UTF_8));
            onLoop(() -> {
                ended = true;
                wire.failWithFrame(frame, BedrockErrorType.DEPENDENCY_FAILED.shapeName(), message);
            });
        }

        @Override
        public void end() {
            onLoop(() -> {
                ended = true;
                wire.end();
            });
        }

        /** Ends a stream the loop left open (it stopped because the client went away). */
        void endIfOpen() {
            end();
        }
    }

    /** The agent's foundation model: its chat template, its worker, the caller's budget. */
    private record Model(ServedModel.Text text, ModelTarget target, ChannelHandlerContext ctx)
            implements OrchestrationModel {
        @Override
        public String render(List<String> system, List<ChatMessage> messages, InferenceSettings settings)
                throws Unavailable {
            try {
                return text.chat().prompt().render(new ChatRequest(system, messages, Math.max(1,
                        settings.maximumLength()), sampling(settings), List.of(), null));
            } catch (RuntimeException e) {
                // The whole cause chain: a template that refuses the agent's own conversation is a server fault.
                log.warn("an agent's prompt could not be rendered", e);
                throw new Unavailable("The agent's prompt could not be rendered: " + e.getMessage());
            }
        }

        private static SamplingParameters sampling(InferenceSettings s) {
            return new SamplingParameters(s.temperature(), s.topP(), s.topK(), null);
        }

        @Override
        public int contextRoom(String prompt) {
            return text.worker().contextTokens() - text.worker().model().tokenizer().encode(prompt, false).length;
        }

        @Override
        public Output generate(String prompt, JsonNode schema, InferenceSettings settings) throws Unavailable,
                InterruptedException {
            TextGenerationRequest request = new TextGenerationRequest(prompt, Math.max(1, settings.maximumLength()),
                    sampling(settings), List.of(), 1, LikelihoodMode.NONE, PromptTruncation.NONE,
                    new OutputConstraint(schema));
            int[] ids = text.worker().model().tokenizer().encode(prompt, false);
            GenerationOutcome o;
            try {
                o = WaitedGeneration.run(text, target, ids, request, ctx.channel());
            } catch (WaitedGeneration.ClientGone e) {
                throw new Unavailable(e.getMessage());
            } catch (BedrockException | InferenceFailure e) {
                throw new Unavailable("The agent's model could not run the step: " + e.getMessage());
            } catch (IllegalStateException e) {
                throw new Unavailable("The agent's model failed: " + e.getMessage());
            }
            return new Output(o.text(), o.inputTokenCount(), o.outputTokenCount(),
                    o.stopReason() != StopReason.MAX_TOKENS && o.stopReason() != StopReason.CONTEXT_LENGTH);
        }
    }
}
