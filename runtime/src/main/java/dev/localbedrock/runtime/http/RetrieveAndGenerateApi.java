package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.agent.RetrieveAndGenerateBodies;
import dev.localbedrock.codecs.agent.RetrieveBodies;
import dev.localbedrock.codecs.chat.ChatMessage;
import dev.localbedrock.codecs.chat.ChatRequest;
import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.codecs.inference.LikelihoodMode;
import dev.localbedrock.codecs.inference.PromptTruncation;
import dev.localbedrock.codecs.inference.SamplingParameters;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.runtime.ModelTarget;
import dev.localbedrock.runtime.ServedModel;
import dev.localbedrock.runtime.controlplane.ModelAccessService;
import dev.localbedrock.runtime.knowledge.KnowledgeBaseService;
import dev.localbedrock.runtime.knowledge.rag.Conversations;
import dev.localbedrock.runtime.knowledge.rag.GroundedAnswers;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * bedrock-agent-runtime's RetrieveAndGenerate on the wire. The body, the knowledge base and the model are checked on
 * the decode thread (so every refusal is a plain JSON error before any work); the retrieval and the generation then
 * run on a bounded pool, since a generation takes seconds and must not hold a decode thread. A full pool is a
 * ThrottlingException. The model is used as InvokeModel uses it: model access, its on-demand quota, its chat
 * template, its scheduler.
 */
final class RetrieveAndGenerateApi {
    private static final Logger log = LoggerFactory.getLogger(RetrieveAndGenerateApi.class);
    /** Bedrock's default answer length is the model's; this server's, when maxTokens is absent. */
    static final int DEFAULT_MAX_TOKENS = 512;
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ThreadPoolExecutor GENERATORS = new ThreadPoolExecutor(4, 4, 60, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(64), r -> {
                Thread t = new Thread(r, "retrieve-and-generate-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
            });

    private RetrieveAndGenerateApi() {
    }

    /** @throws BedrockException the AWS error to write (before the call is handed to the pool) */
    static void handle(RuntimeApi api, ChannelHandlerContext ctx, byte[] body, CallRecord record,
                       boolean keepAlive) {
        KnowledgeBaseService service = api.knowledgeBases();
        RetrieveAndGenerateBodies.Request request = RetrieveAndGenerateBodies.read(body);
        if (service == null) {
            throw BedrockException.notFound("Knowledge bases are not kept by this server.");
        }
        ModelTarget target = api.resolve(request.modelArn());
        if (!(target.model() instanceof ServedModel.Text text) || text.chat() == null) {
            throw BedrockException.validation("1 validation error detected: Value '" + request.modelArn()
                    + "' at 'retrieveAndGenerateConfiguration.knowledgeBaseConfiguration.modelArn' failed to satisfy"
                    + " constraint: Member must name a text model this server serves that holds a conversation.");
        }
        ModelAccessService access = api.modelAccess();
        if (access != null && target.capacityTag() == null && !access.granted(target.model().entry().id())) {
            throw new BedrockException(BedrockErrorType.ACCESS_DENIED, ModelAccessService.NO_ACCESS);
        }
        record.model(target.model().entry().id());
        String sessionId = request.sessionId() != null ? request.sessionId() : Conversations.newSessionId();
        GroundedAnswers answers = service.groundedAnswers();
        Model model = new Model(text, target, ctx, request);
        Runnable call = () -> {
            byte[] out;
            try {
                List<RetrieveBodies.Result> results = answers.retrieve(request);
                String prompt = answers.prompt(request, results, sessionId, model);
                GroundedAnswers.Answer answer = answers.answer(request, results, sessionId, prompt, model);
                out = RetrieveAndGenerateBodies.response(answer.text(), answer.citations(), answer.sessionId())
                        .toString().getBytes(StandardCharsets.UTF_8);
            } catch (BedrockException e) {
                ctx.executor().execute(() -> AwsResponses.sendError(ctx, record, e, keepAlive));
                return;
            } catch (RuntimeException e) {
                log.error("RetrieveAndGenerate {} failed", record.requestId(), e);
                BedrockException failure = new BedrockException(BedrockErrorType.INTERNAL_SERVER,
                        "RetrieveAndGenerate failed: " + e.getClass().getSimpleName());
                ctx.executor().execute(() -> AwsResponses.sendError(ctx, record, failure, keepAlive));
                return;
            }
            ctx.executor().execute(() -> AwsResponses.send(ctx, record,
                    AwsResponses.json(record.requestId(), HttpResponseStatus.OK, out), keepAlive));
        };
        try {
            GENERATORS.execute(call);
        } catch (RejectedExecutionException e) {
            throw new BedrockException(BedrockErrorType.THROTTLING,
                    "Too many RetrieveAndGenerate calls are running; retry shortly.");
        }
    }

    /** The request's text model: its chat template, its worker, the caller's budget. */
    private record Model(ServedModel.Text text, ModelTarget target, ChannelHandlerContext ctx,
                         RetrieveAndGenerateBodies.Request request) implements GroundedAnswers.Generator {
        int maxTokens() {
            return request.maxTokens() == null ? DEFAULT_MAX_TOKENS : Math.max(1, request.maxTokens());
        }

        SamplingParameters sampling() {
            return new SamplingParameters(request.temperature() == null ? 0f : request.temperature(),
                    request.topP() == null ? 1f : request.topP(), 0, null);
        }

        @Override
        public String render(List<ChatMessage> messages) {
            try {
                return text.chat().prompt().render(new ChatRequest(List.of(), messages, maxTokens(), sampling(),
                        request.stopSequences(), null));
            } catch (BedrockException e) {
                throw e;
            } catch (RuntimeException e) {
                throw BedrockException.validation("The prompt could not be rendered for " + request.modelArn()
                        + ": " + e.getMessage());
            }
        }

        @Override
        public String generate(String prompt) {
            TextGenerationRequest generation = new TextGenerationRequest(prompt, maxTokens(), sampling(),
                    request.stopSequences(), 1, LikelihoodMode.NONE, PromptTruncation.NONE);
            int[] ids = text.worker().model().tokenizer().encode(prompt, false);
            try {
                return WaitedGeneration.run(text, target, ids, generation, ctx.channel()).text();
            } catch (WaitedGeneration.ClientGone e) {
                throw new BedrockException(BedrockErrorType.INTERNAL_SERVER, e.getMessage());
            } catch (InferenceFailure e) {
                throw InferenceErrors.toAws(e);
            } catch (IllegalStateException e) {
                throw new BedrockException(BedrockErrorType.INTERNAL_SERVER, "The model failed.");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BedrockException(BedrockErrorType.INTERNAL_SERVER, "Interrupted while generating.");
            }
        }
    }
}
