package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockException;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RouteTest {

    @Test
    void decodesTheModelIdSegmentOnItsOwn() {
        Route r = Route.parse(HttpMethod.POST,
                "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A%3Afoundation-model%2Fmeta.llama2-13b-chat-v1/invoke");
        assertEquals(Route.Kind.INVOKE, r.kind());
        assertEquals("arn:aws:bedrock:us-east-1::foundation-model/meta.llama2-13b-chat-v1", r.modelId());
        Route s = Route.parse(HttpMethod.POST, "/model/meta.llama2-13b-chat-v1%3A0%3A4k/invoke-with-response-stream");
        assertEquals(Route.Kind.INVOKE_STREAM, s.kind());
        assertEquals("meta.llama2-13b-chat-v1:0:4k", s.modelId());
    }

    @Test
    void plusStaysAPlusAndQueriesAreIgnored() {
        assertEquals("a+b", Route.parse(HttpMethod.POST, "/model/a+b/invoke?x=1").modelId());
    }

    @Test
    void unknownPathsAndMethodsAreUnknownOperations() {
        assertThrows(Route.UnknownOperation.class, () -> Route.parse(HttpMethod.POST, "/model/x/converse"));
        assertThrows(Route.UnknownOperation.class, () -> Route.parse(HttpMethod.GET, "/model/x/invoke"));
        assertThrows(Route.UnknownOperation.class, () -> Route.parse(HttpMethod.POST, "/model/a/b/invoke"));
        assertThrows(Route.UnknownOperation.class, () -> Route.parse(HttpMethod.POST, "/"));
    }

    @Test
    void malformedPercentEncodingIsAValidationError() {
        assertThrows(BedrockException.class, () -> Route.parse(HttpMethod.POST, "/model/bad%2/invoke"));
        assertThrows(BedrockException.class, () -> Route.parse(HttpMethod.POST, "/model/bad%zz/invoke"));
    }
}
