package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.inference.InferenceFailure;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Each neutral failure kind becomes the AWS error the SDKs expect, with the message unchanged. */
class InferenceErrorsTest {

    @Test
    void everyKindHasItsAwsTypeAndStatus() {
        Map<InferenceFailure.Kind, BedrockErrorType> expected = new EnumMap<>(InferenceFailure.Kind.class);
        expected.put(InferenceFailure.Kind.INVALID_REQUEST, BedrockErrorType.VALIDATION);
        expected.put(InferenceFailure.Kind.OVERLOADED, BedrockErrorType.THROTTLING);
        expected.put(InferenceFailure.Kind.TIMED_OUT, BedrockErrorType.MODEL_TIMEOUT);
        expected.put(InferenceFailure.Kind.UNAVAILABLE, BedrockErrorType.MODEL_NOT_READY);
        expected.put(InferenceFailure.Kind.ENGINE_FAILED, BedrockErrorType.MODEL_ERROR);
        assertEquals(InferenceFailure.Kind.values().length, expected.size());
        for (InferenceFailure.Kind kind : InferenceFailure.Kind.values()) {
            InferenceFailure failure = new InferenceFailure(kind, "why: " + kind);
            BedrockException aws = InferenceErrors.toAws(failure);
            assertEquals(expected.get(kind), aws.type(), kind.name());
            assertEquals("why: " + kind, aws.getMessage());
            assertSame(failure, aws.getCause());
        }
        assertEquals(429, InferenceErrors.typeOf(InferenceFailure.Kind.OVERLOADED).httpStatus());
        assertEquals(400, InferenceErrors.typeOf(InferenceFailure.Kind.INVALID_REQUEST).httpStatus());
    }
}
