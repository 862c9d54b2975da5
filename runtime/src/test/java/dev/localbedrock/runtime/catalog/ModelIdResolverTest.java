package dev.localbedrock.runtime.catalog;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ModelIdResolverTest {
    private final ModelIdResolver<String> resolver = new ModelIdResolver<>(Map.of(
            "meta.llama2-13b-chat-v1", "llama13", "meta.llama2-13b-chat-v1:0:4k", "pinned"));

    @Test
    void resolvesIdsVersionsAndArns() {
        assertEquals("llama13", resolver.resolve("meta.llama2-13b-chat-v1"));
        assertEquals("pinned", resolver.resolve("meta.llama2-13b-chat-v1:0:4k"));
        assertEquals("llama13", resolver.resolve("meta.llama2-13b-chat-v1:1"));
        assertEquals("llama13", resolver.resolve("arn:aws:bedrock:us-east-1::foundation-model/meta.llama2-13b-chat-v1"));
        assertEquals("pinned",
                resolver.resolve("arn:aws:bedrock:eu-west-1::foundation-model/meta.llama2-13b-chat-v1:0:4k"));
    }

    @Test
    void wellFormedButUnservedIdsAreNotFound() {
        BedrockException e = assertThrows(BedrockException.class, () -> resolver.resolve("anthropic.claude-v2"));
        assertEquals(BedrockErrorType.RESOURCE_NOT_FOUND, e.type());
        assertEquals(BedrockErrorType.RESOURCE_NOT_FOUND, assertThrows(BedrockException.class,
                () -> resolver.resolve("arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdefghij12"))
                .type());
    }

    @Test
    void malformedIdsAreValidationErrors() {
        for (String bad : new String[] {"", "has space", "x".repeat(2049), "../../etc/passwd", "a//b"}) {
            assertEquals(BedrockErrorType.VALIDATION,
                    assertThrows(BedrockException.class, () -> resolver.resolve(bad)).type(), bad);
        }
    }
}
