package dev.localbedrock.runtime.knowledge.rag;

import dev.localbedrock.codecs.agent.RetrieveAndGenerateBodies;
import dev.localbedrock.codecs.agent.RetrieveBodies;
import dev.localbedrock.codecs.chat.ChatMessage;
import dev.localbedrock.codecs.chat.ChatRole;
import dev.localbedrock.codecs.chat.ContentBlock;
import dev.localbedrock.runtime.knowledge.Retrieval;

import java.util.ArrayList;
import java.util.List;

/**
 * One RetrieveAndGenerate call: retrieve the question's nearest chunks, fill them and the question into the prompt
 * template, put the session's earlier turns before it as a chat, generate, and cite each sentence of the answer.
 */
public final class GroundedAnswers {

    /** The text model that answers: renders a chat with its own template, generates free text. */
    public interface Generator {
        String render(List<ChatMessage> messages);

        String generate(String prompt);
    }

    /** What the caller gets back. */
    public record Answer(String text, List<RetrieveAndGenerateBodies.Citation> citations, String sessionId) {
    }

    private final Retrieval retrieval;
    private final Conversations conversations;

    public GroundedAnswers(Retrieval retrieval, Conversations conversations) {
        this.retrieval = retrieval;
        this.conversations = conversations;
    }

    /** @throws dev.localbedrock.codecs.BedrockException as Retrieve's (unknown or inactive knowledge base) */
    public List<RetrieveBodies.Result> retrieve(RetrieveAndGenerateBodies.Request request) {
        return retrieval.retrieve(request.knowledgeBaseId(), new RetrieveBodies.Request(request.text(),
                request.search().numberOfResults(), request.search().filter()));
    }

    /** The model's input: the earlier turns, then the filled template as the user's message. */
    public String prompt(RetrieveAndGenerateBodies.Request request, List<RetrieveBodies.Result> results,
                         String sessionId, Generator model) {
        List<ChatMessage> messages = new ArrayList<>();
        for (Conversations.Turn t : conversations.history(sessionId)) {
            messages.add(new ChatMessage(ChatRole.USER, List.of(new ContentBlock.Text(t.question()))));
            messages.add(new ChatMessage(ChatRole.ASSISTANT, List.of(new ContentBlock.Text(t.answer()))));
        }
        messages.add(new ChatMessage(ChatRole.USER, List.of(new ContentBlock.Text(
                PromptTemplate.fill(request.promptTemplate(), results, request.text())))));
        return model.render(messages);
    }

    /** Generates the answer to {@code prompt} and remembers the turn in the session. */
    public Answer answer(RetrieveAndGenerateBodies.Request request, List<RetrieveBodies.Result> results,
                         String sessionId, String prompt, Generator model) {
        String text = model.generate(prompt).strip();
        conversations.record(sessionId, new Conversations.Turn(request.text(), text));
        return new Answer(text, Citations.of(text, results), sessionId);
    }
}
