package dev.localbedrock.runtime.chat;

/**
 * A chat template could not be compiled or refused the conversation. When the template itself refused it (its
 * {@code raise_exception(...)}, e.g. "Conversation roles must alternate user/assistant/user/assistant/..."), the
 * message is the template's own and {@link #raisedByTemplate()} is true: the request is at fault, not the server.
 */
public final class ChatTemplateException extends RuntimeException {
    private final boolean raisedByTemplate;

    ChatTemplateException(String message, boolean raisedByTemplate, Throwable cause) {
        super(message, cause);
        this.raisedByTemplate = raisedByTemplate;
    }

    /** Whether the template's {@code raise_exception} refused the conversation (a client error). */
    public boolean raisedByTemplate() {
        return raisedByTemplate;
    }
}
