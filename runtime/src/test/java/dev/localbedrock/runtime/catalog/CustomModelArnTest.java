package dev.localbedrock.runtime.catalog;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CustomModelArnTest {
    @Test
    void theFoundationModelIsReadBackFromTheArn() {
        String arn = CustomModelArn.of("us-east-1", "000000000000", "meta.llama2-13b-chat-v1:0:4k", "abcdefabcdef");
        assertEquals("arn:aws:bedrock:us-east-1:000000000000:custom-model/meta.llama2-13b-chat-v1:0:4k/abcdefabcdef",
                arn);
        assertTrue(CustomModelArn.is(arn));
        assertEquals("meta.llama2-13b-chat-v1:0:4k", CustomModelArn.foundationId(arn));
    }

    @Test
    void namesAndOtherArnsAreNotCustomModelArns() {
        assertFalse(CustomModelArn.is(null));
        assertFalse(CustomModelArn.is("my-custom-model"));
        assertFalse(CustomModelArn.is("colours:custom-model/x/y"));
        assertFalse(CustomModelArn.is("arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1"));
        assertThrows(IllegalArgumentException.class, () -> CustomModelArn.foundationId("my-custom-model"));
        assertThrows(IllegalArgumentException.class,
                () -> CustomModelArn.foundationId("arn:aws:bedrock:us-east-1:000000000000:custom-model/abcdefabcdef"));
    }
}
