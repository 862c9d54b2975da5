package dev.localbedrock.codecs.agent;

import dev.localbedrock.codecs.BedrockException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Retrieve's request body: defaults, the filter tree, and what is refused, named by member. */
class RetrieveBodiesTest {
    private static RetrieveBodies.Request read(String json) {
        return RetrieveBodies.read(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String refusal(String json) {
        return assertThrows(BedrockException.class, () -> read(json)).getMessage();
    }

    @Test
    void defaultsAndTheFilterTree() {
        RetrieveBodies.Request plain = read("{\"retrievalQuery\":{\"text\":\"q\"}}");
        assertEquals("q", plain.text());
        assertEquals(5, plain.numberOfResults());
        assertNull(plain.filter());
        RetrieveBodies.Request r = read("""
                {"retrievalQuery":{"text":"q"},"retrievalConfiguration":{"vectorSearchConfiguration":{
                 "numberOfResults":7,"filter":{"andAll":[
                   {"equals":{"key":"year","value":1987}},
                   {"in":{"key":"x-amz-bedrock-kb-source-uri","value":["s3://b/a","s3://b/c"]}}]}}}}""");
        assertEquals(7, r.numberOfResults());
        assertEquals("andAll", r.filter().operator());
        assertEquals(new RetrieveBodies.FilterSpec("equals", "year", List.of("1987"), List.of()),
                r.filter().children().get(0));
        assertEquals(List.of("s3://b/a", "s3://b/c"), r.filter().children().get(1).values());
    }

    @Test
    void refusalsNameTheMember() {
        assertTrue(refusal("{}").contains("'retrievalQuery' failed to satisfy constraint: Member must not be null"));
        assertTrue(refusal("{\"retrievalQuery\":{\"text\":\"q\"},\"retrievalConfiguration\":{"
                + "\"vectorSearchConfiguration\":{\"numberOfResults\":0}}}")
                .contains("retrievalConfiguration.vectorSearchConfiguration.numberOfResults"));
        String notIn = refusal("{\"retrievalQuery\":{\"text\":\"q\"},\"retrievalConfiguration\":{"
                + "\"vectorSearchConfiguration\":{\"filter\":{\"notIn\":{\"key\":\"k\",\"value\":[\"v\"]}}}}}");
        assertTrue(notIn.contains("filter.notIn' is not supported"), notIn);
        String lonely = refusal("{\"retrievalQuery\":{\"text\":\"q\"},\"retrievalConfiguration\":{"
                + "\"vectorSearchConfiguration\":{\"filter\":{\"orAll\":["
                + "{\"equals\":{\"key\":\"k\",\"value\":1}}]}}}}");
        assertTrue(lonely.contains("filter.orAll") && lonely.contains("greater than or equal to 2"), lonely);
        String scalarIn = refusal("{\"retrievalQuery\":{\"text\":\"q\"},\"retrievalConfiguration\":{"
                + "\"vectorSearchConfiguration\":{\"filter\":{\"in\":{\"key\":\"k\",\"value\":\"v\"}}}}}");
        assertTrue(scalarIn.contains("filter.in.value"), scalarIn);
        assertTrue(refusal("{\"retrievalQuery\":{\"type\":\"IMAGE\"}}").contains("IMAGE is not supported"));
    }
}
