package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.ImageFamilyCodec;
import dev.localbedrock.codecs.TextFamilyCodec;
import dev.localbedrock.codecs.inference.EmbeddingOutcome;
import dev.localbedrock.codecs.inference.EmbeddingRequest;
import dev.localbedrock.codecs.inference.ImageGenerationOutcome;
import dev.localbedrock.codecs.inference.ImageGenerationRequest;
import dev.localbedrock.codecs.chat.ChatCodec;
import dev.localbedrock.codecs.chat.ChatRequest;
import dev.localbedrock.codecs.inference.LikelihoodMode;
import dev.localbedrock.codecs.inference.OutputConstraint;
import dev.localbedrock.codecs.inference.PromptTruncation;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.runtime.ServedModel;
import dev.localbedrock.runtime.chat.ChatTemplateException;
import dev.localbedrock.runtime.conversation.ToolCalls;
import dev.localbedrock.runtime.generation.GenerationJob;
import dev.localbedrock.runtime.generation.GenerationListener;
import dev.localbedrock.runtime.quota.MeteredListener;
import dev.localbedrock.runtime.quota.UsageBudget;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * How InvokeModel and InvokeModelWithResponseStream reach a served model of one modality. {@link #prepare} runs on
 * the event loop and checks only what is cheap (streaming support, the Accept header); the returned admission runs
 * on a decode thread, where the body is decoded and the request handed to the model's worker with the responder that
 * will answer it. One implementation per modality: an image modality is one more here.
 */
abstract class ModelInvoker {
    static final String BEDROCK_ACCEPT = "X-Amzn-Bedrock-Accept";

    /**
     * The request's admission, or a ValidationException when it cannot be served at all.
     *
     * @param call what the handler knows of the request (context, id, timing, keep-alive, whether it streams)
     * @param body the request body, already copied off the connection's buffer
     */
    abstract Runnable prepare(Call call, HttpHeaders headers, byte[] body);

    /**
     * The request as the handler resolved it.
     *
     * @param record      what the call has become so far, ended by whichever responder answers it
     * @param capacityTag the reserved capacity it runs under (a provisioned throughput), or null for on-demand
     * @param budget      what its usage counts against (on-demand quota or provisioned throughput); null: unlimited
     */
    record Call(ChannelHandlerContext ctx, CallRecord record, boolean keepAlive, boolean stream,
                String capacityTag, UsageBudget budget) {
    }

    /** The invoker for a served model's modality. */
    static ModelInvoker of(ServedModel served) {
        if (served instanceof ServedModel.Text text) {
            return text.invokesAsChat() ? new Chat(text, text.chat().invokeBody(), true) : new Text(text);
        }
        if (served instanceof ServedModel.Embedding embedding) {
            return new Embedding(embedding);
        }
        if (served instanceof ServedModel.Image image) {
            return new Image(image);
        }
        throw new IllegalStateException("no invoker for " + served.getClass().getSimpleName());
    }

    /**
     * The invoker for Converse and ConverseStream on a served model.
     *
     * @throws BedrockException ValidationException for a model that cannot hold a conversation (embeddings)
     */
    static ModelInvoker converse(ServedModel served) {
        if (served instanceof ServedModel.Text text && text.chat() != null) {
            return new Chat(text, text.chat().converse(), false);
        }
        throw BedrockException.validation("The model " + served.entry().id() + " does not support Converse: it is "
                + "not a text generation model.");
    }

    /** Text generation: unary or streamed, through the continuous-batching worker. */
    static final class Text extends ModelInvoker {
        private final ServedModel.Text model;

        Text(ServedModel.Text model) {
            this.model = model;
        }

        @Override
        Runnable prepare(Call call, HttpHeaders headers, byte[] body) {
            if (call.stream() && !model.codec().streams()) {
                throw BedrockException.validation(TextFamilyCodec.NOT_STREAMING);
            }
            String acceptHeader = call.stream() ? BEDROCK_ACCEPT : HttpHeaderNames.ACCEPT.toString();
            checkAccept(headers.get(acceptHeader), call.stream() ? BEDROCK_ACCEPT : "Accept");
            return () -> {
                TextGenerationRequest generation = model.codec().decodeRequest(body);
                Responder responder = call.stream()
                        ? new StreamingResponder(call.ctx(), call.record(), model.codec().openStream(generation))
                        : new UnaryResponder(call.ctx(), call.record(), model.codec(), generation, call.keepAlive());
                submitMetered(call, responder,
                        listener -> model.worker().submit(generation, listener, call.capacityTag()));
            };
        }
    }

    /**
     * A conversation (Converse and ConverseStream on any text model, or a chat-bodied family's InvokeModel): the chat
     * codec decodes it, the model's chat template renders it into the prompt, and it runs as one text generation —
     * constrained to a tool call when the request forces one, or to its structured-output schema (stop sequences then
     * do not apply: the JSON must not be cut). The prompt is tokenized without adding special tokens: the template writes them.
     */
    static final class Chat extends ModelInvoker {
        private final ServedModel.Text model;
        private final ChatCodec codec;
        private final boolean invokeModel;

        /** @param invokeModel InvokeModel's body (Accept headers, token-count headers) rather than Converse's */
        Chat(ServedModel.Text model, ChatCodec codec, boolean invokeModel) {
            this.model = model;
            this.codec = codec;
            this.invokeModel = invokeModel;
        }

        @Override
        Runnable prepare(Call call, HttpHeaders headers, byte[] body) {
            if (invokeModel) {
                String acceptHeader = call.stream() ? BEDROCK_ACCEPT : HttpHeaderNames.ACCEPT.toString();
                checkAccept(headers.get(acceptHeader), call.stream() ? BEDROCK_ACCEPT : "Accept");
            }
            return () -> {
                ChatRequest chat = codec.decodeRequest(body);
                String prompt;
                try {
                    prompt = model.chat().prompt().render(chat);
                } catch (ChatTemplateException e) {
                    if (e.raisedByTemplate()) { // the template's own rule, e.g. "roles must alternate"
                        throw BedrockException.validation(e.getMessage());
                    }
                    throw e;
                }
                OutputConstraint toolCall = ToolCalls.constraint(chat.tools());
                OutputConstraint constraint = toolCall != null ? toolCall : chat.outputFormat();
                TextGenerationRequest generation = new TextGenerationRequest(prompt, chat.maxTokens(),
                        chat.sampling(), constraint != null ? List.of() : chat.stopSequences(), 1,
                        LikelihoodMode.NONE, PromptTruncation.NONE, constraint);
                int[] promptIds = model.worker().model().tokenizer().encode(prompt, false);
                Responder responder = call.stream()
                        ? new ChatResponder.Streaming(call.ctx(), call.record(), codec, chat)
                        : new ChatResponder.Unary(call.ctx(), call.record(), codec, chat,
                                call.keepAlive(), invokeModel);
                submitMetered(call, responder,
                        listener -> model.worker().submitTokens(promptIds, generation, listener, call.capacityTag()));
            };
        }
    }

    /**
     * Submits a generation counted against the call's budget (on-demand quota or provisioned throughput): admitted
     * first, charged as it runs, refunded when the scheduler refuses it before it ran; links the job to the responder
     * so a disconnect cancels it.
     */
    static void submitMetered(Call call, Responder responder,
                              java.util.function.Function<GenerationListener, GenerationJob> submit) {
        UsageBudget budget = call.budget();
        if (budget == null) {
            responder.watch(submit.apply(responder));
            return;
        }
        budget.admit();
        MeteredListener metered = new MeteredListener(responder, budget);
        GenerationJob job;
        try {
            job = submit.apply(metered);
        } catch (RuntimeException refused) { // a full queue: the request never ran
            if (!metered.started()) {
                budget.refund();
            }
            throw refused;
        }
        responder.watch(job);
    }

    /** Embeddings: InvokeModel only, through the embedding worker. */
    static final class Embedding extends ModelInvoker {
        private final ServedModel.Embedding model;

        Embedding(ServedModel.Embedding model) {
            this.model = model;
        }

        @Override
        Runnable prepare(Call call, HttpHeaders headers, byte[] body) {
            if (call.stream()) {
                throw BedrockException.validation(TextFamilyCodec.NOT_STREAMING);
            }
            checkAccept(headers.get(HttpHeaderNames.ACCEPT), "Accept");
            return () -> {
                EmbeddingRequest request = model.codec().decodeRequest(body);
                UsageBudget budget = call.budget();
                EmbeddingResponder responder = new EmbeddingResponder(call.ctx(), call.record(), model.codec(),
                        call.keepAlive());
                if (budget == null) {
                    responder.respondTo(model.worker().submit(request));
                    return;
                }
                budget.admit();
                CompletableFuture<EmbeddingOutcome> submitted;
                try {
                    submitted = model.worker().submit(request);
                } catch (RuntimeException refused) {
                    budget.refund();
                    throw refused;
                }
                responder.respondTo(charged(submitted, budget));
            };
        }

        /**
         * {@code submitted}, completing only once its tokens are charged (so the client's next request sees the
         * charge); cancelling it (the client hung up) cancels the embedding.
         */
        private static CompletableFuture<EmbeddingOutcome> charged(CompletableFuture<EmbeddingOutcome> submitted,
                                                                   UsageBudget budget) {
            CompletableFuture<EmbeddingOutcome> charged = new CompletableFuture<>() {
                @Override
                public boolean cancel(boolean mayInterruptIfRunning) {
                    submitted.cancel(mayInterruptIfRunning);
                    return super.cancel(mayInterruptIfRunning);
                }
            };
            submitted.whenComplete((outcome, error) -> {
                if (error != null) {
                    charged.completeExceptionally(error);
                    return;
                }
                budget.chargeInput(outcome.inputTokenCount());
                charged.complete(outcome);
            });
            return charged;
        }
    }

    /**
     * Images: InvokeModel only (Bedrock refuses InvokeModelWithResponseStream on its image models in the words it
     * uses for every model that does not stream), through the model's denoising scheduler. A request counts once
     * against the requests-per-minute quota; it has no tokens to charge.
     */
    static final class Image extends ModelInvoker {
        private final ServedModel.Image model;

        Image(ServedModel.Image model) {
            this.model = model;
        }

        @Override
        Runnable prepare(Call call, HttpHeaders headers, byte[] body) {
            if (call.stream() && !model.codec().streams()) {
                throw BedrockException.validation(ImageFamilyCodec.NOT_STREAMING);
            }
            checkAccept(headers.get(HttpHeaderNames.ACCEPT), "Accept");
            return () -> {
                ImageGenerationRequest request = model.codec().decodeRequest(body);
                ImageResponder responder = new ImageResponder(call.ctx(), call.record(), model.codec(), request,
                        call.keepAlive());
                UsageBudget budget = call.budget();
                if (budget != null) {
                    budget.admit();
                }
                CompletableFuture<ImageGenerationOutcome> submitted;
                try {
                    submitted = model.worker().submit(request);
                } catch (RuntimeException refused) { // a full queue or a request the engine cannot make: never ran
                    if (budget != null) {
                        budget.refund();
                    }
                    throw refused;
                }
                responder.respondTo(submitted);
            };
        }
    }

    static void checkAccept(String accept, String header) {
        if (accept == null) {
            return;
        }
        for (String option : accept.split(",")) {
            String type = mediaType(option);
            if (type.equals("application/json") || type.equals("*/*") || type.equals("application/*")
                    || type.isEmpty()) {
                return;
            }
        }
        throw BedrockException.validation("The requested " + header + " " + accept
                + " is not supported; this model returns application/json.");
    }

    static String mediaType(String headerValue) {
        int semi = headerValue.indexOf(';');
        return (semi >= 0 ? headerValue.substring(0, semi) : headerValue).trim().toLowerCase(Locale.ROOT);
    }
}
