package dev.localbedrock.codecs;

import java.util.Objects;

/** An error the client sees as a typed AWS exception. The message is shown to the caller verbatim. */
public class BedrockException extends RuntimeException {
    private final BedrockErrorType type;

    public BedrockException(BedrockErrorType type, String message) {
        super(message);
        this.type = Objects.requireNonNull(type, "type");
    }

    public BedrockException(BedrockErrorType type, String message, Throwable cause) {
        super(message, cause);
        this.type = Objects.requireNonNull(type, "type");
    }

    public BedrockErrorType type() {
        return type;
    }

    public static BedrockException validation(String message) {
        return new BedrockException(BedrockErrorType.VALIDATION, message);
    }

    public static BedrockException notFound(String message) {
        return new BedrockException(BedrockErrorType.RESOURCE_NOT_FOUND, message);
    }
}
