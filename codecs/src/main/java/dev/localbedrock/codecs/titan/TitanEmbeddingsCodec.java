package dev.localbedrock.codecs.titan;

import dev.localbedrock.codecs.EmbeddingFamilyCodec;
import dev.localbedrock.codecs.inference.EmbeddingOutcome;
import dev.localbedrock.codecs.inference.EmbeddingRequest;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.RequestBodyReader;

import java.util.Set;

/**
 * Amazon Titan Embeddings G1 - Text ({@code amazon.titan-embed-text-v1}), bedrock-spec §2.4. The body is one text,
 * {@code {"inputText": "..."}}, with no options; the response is one vector and the token count,
 * {@code {"embedding": [...], "inputTextTokenCount": n}}. Titan does not truncate: a text over the model's token limit
 * is a ValidationException, so the request asks for {@link EmbeddingRequest.Truncation#NONE}. InvokeModel only.
 */
public final class TitanEmbeddingsCodec implements EmbeddingFamilyCodec {

    /** The family name in models.yaml. */
    public static final String FAMILY = "amazon-titan-embed";

    static final String INPUT_TEXT = "inputText";
    /**
     * Titan Text Embeddings takes at most 50,000 characters (as AWS documents for its text embedding models), beside
     * its 8,192-token limit. The cap also bounds the tokenizer's work per request: one 10 MB "word" costs the
     * WordPiece tokenizer seconds although it ends as a single unknown token.
     */
    static final int MAX_INPUT_CHARS = 50_000;

    private static final Set<String> KEYS = Set.of(INPUT_TEXT);

    @Override
    public String family() {
        return FAMILY;
    }

    @Override
    public EmbeddingRequest decodeRequest(byte[] body) {
        RequestBodyReader reader = RequestBodyReader.parse(body, KEYS);
        String inputText = reader.requiredString(INPUT_TEXT);
        if (inputText != null && inputText.length() > MAX_INPUT_CHARS) {
            reader.reject(INPUT_TEXT, "expected maxLength: " + MAX_INPUT_CHARS + ", actual: " + inputText.length());
        }
        reader.validate();
        return EmbeddingRequest.of(inputText);
    }

    /** Titan answers one vector: the first (and, for its requests, only) one of the outcome. */
    @Override
    public byte[] encodeResponse(EmbeddingOutcome outcome) {
        float[] embedding = outcome.embeddings().get(0);
        return Json.write(48 + 14 * embedding.length, g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("embedding");
            for (float v : embedding) {
                g.writeNumber(v);
            }
            g.writeEndArray();
            g.writeNumberField("inputTextTokenCount", outcome.inputTokenCount());
            g.writeEndObject();
        });
    }
}
