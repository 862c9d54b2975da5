package dev.localbedrock.codecs;

import dev.localbedrock.codecs.inference.InvocationMetrics;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The one Jackson configuration of the wire. A single mapper keeps every codec parsing request bodies the same
 * way (so a body that one family rejects as malformed is malformed for all of them), and lets Jackson's buffer
 * recycling work across the per-token writers.
 *
 * <p>Parsing is strict on purpose: duplicate keys and trailing garbage are errors rather than silently picking a
 * value, and floats are read as {@code BigDecimal} so that range checks see the number the client wrote
 * ({@code 1e400} is out of range, not {@code Infinity}).
 */
public final class Json {

    /** Shared and thread-safe. Never reconfigure it: every codec relies on the settings above. */
    public static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    /** Top-level key Bedrock adds to the last stream chunk of every family (wire protocol §3.3). */
    public static final String INVOCATION_METRICS_KEY = "amazon-bedrock-invocationMetrics";

    private static final JsonFactory FACTORY = MAPPER.getFactory();

    private Json() {
    }

    /** Writes one JSON document with a streaming generator; the body callback must write exactly one value. */
    @FunctionalInterface
    public interface Body {
        void write(JsonGenerator generator) throws IOException;
    }

    /**
     * Streams a document straight to UTF-8 bytes. Codecs use this instead of building trees because chunks are
     * written once per generated token.
     *
     * @param sizeHint expected size in bytes, to avoid regrowing the buffer
     */
    public static byte[] write(int sizeHint, Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(16, sizeHint));
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            body.write(generator);
        } catch (IOException e) {
            // Only a broken Body can get here: a byte array stream does not fail.
            throw new UncheckedIOException("cannot write JSON", e);
        }
        return out.toByteArray();
    }

    /**
     * Writes the {@value #INVOCATION_METRICS_KEY} field (name and object) with the integer keys clients read
     * (LangChain, LiteLLM, Spring AI). Call it inside the chunk's top-level object.
     */
    public static void writeInvocationMetrics(JsonGenerator g, InvocationMetrics metrics) throws IOException {
        g.writeObjectFieldStart(INVOCATION_METRICS_KEY);
        g.writeNumberField("inputTokenCount", metrics.inputTokenCount());
        g.writeNumberField("outputTokenCount", metrics.outputTokenCount());
        g.writeNumberField("invocationLatency", metrics.invocationLatency());
        g.writeNumberField("firstByteLatency", metrics.firstByteLatency());
        g.writeEndObject();
    }
}
