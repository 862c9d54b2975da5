package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.inference.InferenceFailure;

/**
 * The one place where the scheduler's and workers' neutral failures become the AWS errors the SDKs expect. The
 * message passes through unchanged; only the type (and so the status code and {@code x-amzn-ErrorType}) is decided
 * here.
 */
final class InferenceErrors {
    private InferenceErrors() {
    }

    /** The AWS error a client receives for {@code failure}. */
    static BedrockException toAws(InferenceFailure failure) {
        return new BedrockException(typeOf(failure.kind()), failure.getMessage(), failure);
    }

    static BedrockErrorType typeOf(InferenceFailure.Kind kind) {
        return switch (kind) {
            case INVALID_REQUEST -> BedrockErrorType.VALIDATION;
            // ThrottlingException is what the SDKs back off and retry on; a full queue is exactly that.
            case OVERLOADED -> BedrockErrorType.THROTTLING;
            case TIMED_OUT -> BedrockErrorType.MODEL_TIMEOUT;
            // ModelNotReadyException: the SDKs retry it, as Bedrock sends it for a model that is not serving yet.
            case UNAVAILABLE -> BedrockErrorType.MODEL_NOT_READY;
            case ENGINE_FAILED -> BedrockErrorType.MODEL_ERROR;
        };
    }
}
