package dev.localbedrock.codecs.cohere;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.localbedrock.codecs.EmbeddingFamilyCodec;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.RequestBodyReader;
import dev.localbedrock.codecs.inference.EmbeddingOutcome;
import dev.localbedrock.codecs.inference.EmbeddingRequest;
import dev.localbedrock.codecs.inference.EmbeddingRequest.Encoding;
import dev.localbedrock.codecs.inference.EmbeddingRequest.Truncation;

import java.io.IOException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Cohere Embed v3 ({@code cohere.embed-english-v3}, {@code cohere.embed-multilingual-v3}), bedrock-spec §2.8.
 *
 * <p><b>Request</b> {@code {"texts": [...], "input_type": ..., "truncate": ..., "embedding_types": [...]}}:
 * <ul>
 *   <li>{@code texts} (required): 1 to 128 strings, each at most 2,048 characters; an empty string is a text (real
 *       Bedrock embeds it), an empty array is refused (so does real Bedrock, although the guide's table says 0).</li>
 *   <li>{@code input_type} (required): {@code search_document}, {@code search_query}, {@code classification} or
 *       {@code clustering}. Validated, then not used: Cohere's models prepend a special token per type, but the
 *       sentence encoders this runtime serves (MiniLM and the like) were trained without such prefixes, so every
 *       type embeds a text the same way. Documents and queries therefore still land in one space, which is what
 *       the search_document/search_query pairing is for.</li>
 *   <li>{@code truncate} (default {@code NONE}): {@code NONE} refuses a text over the encoder's token limit;
 *       {@code LEFT} or {@code START} drops tokens from the start, {@code RIGHT} or {@code END} from the end. The
 *       guide names LEFT/RIGHT, today's Bedrock and the frameworks (LangChain4j, newer Spring AI) send START/END:
 *       both spellings are accepted.</li>
 *   <li>{@code embedding_types} (optional): 1 to 5 of {@code float}, {@code int8}, {@code uint8}, {@code binary},
 *       {@code ubinary}; a repeated type counts once. See {@link EmbeddingQuantization} for how the integer forms are
 *       made.</li>
 * </ul>
 *
 * <p><b>Response</b> {@code {"embeddings": ..., "id": uuid, "response_type": ..., "texts": [...]}}, with the texts
 * echoed as sent. Without {@code embedding_types}, {@code response_type} is {@code embeddings_floats} and
 * {@code embeddings} is a list of float vectors (what older LangChain4j and Spring AI read); with it,
 * {@code response_type} is {@code embeddings_by_type} and {@code embeddings} is an object holding only the types
 * asked for, e.g. {@code {"float": [[...]], "int8": [[...]]}} (what current LangChain4j reads, having asked for
 * {@code ["float"]}). No other field is written: some clients map the body onto a fixed record. The token count
 * travels in the {@code X-Amzn-Bedrock-Input-Token-Count} header, as on Bedrock. InvokeModel only.
 *
 * <p>Encoding needs the request ({@link EmbeddingOutcome#request()}): the response echoes its texts and depends on
 * its {@code embedding_types}.
 */
public final class CohereEmbedCodec implements EmbeddingFamilyCodec {

    /** The family name in models.yaml. */
    public static final String FAMILY = "cohere-embed";

    static final String TEXTS = "texts";
    static final String INPUT_TYPE = "input_type";
    static final String TRUNCATE = "truncate";
    static final String EMBEDDING_TYPES = "embedding_types";

    static final int MAX_TEXTS = 128;
    static final int MAX_TEXT_CHARS = 2048;

    static final List<String> INPUT_TYPES = List.of("search_document", "search_query", "classification",
            "clustering");
    static final List<String> TRUNCATE_VALUES = List.of("NONE", "START", "END", "LEFT", "RIGHT");
    /** Wire names, indexed like {@link Encoding}. */
    static final List<String> EMBEDDING_TYPE_NAMES = List.of("float", "int8", "uint8", "binary", "ubinary");

    static final String EMBEDDINGS_FLOATS = "embeddings_floats";
    static final String EMBEDDINGS_BY_TYPE = "embeddings_by_type";

    private static final Set<String> KEYS = Set.of(TEXTS, INPUT_TYPE, TRUNCATE, EMBEDDING_TYPES);

    @Override
    public String family() {
        return FAMILY;
    }

    @Override
    public EmbeddingRequest decodeRequest(byte[] body) {
        RequestBodyReader reader = RequestBodyReader.parse(body, KEYS);
        List<String> texts = reader.requiredStringList(TEXTS, 1, MAX_TEXTS, MAX_TEXT_CHARS);
        reader.requiredOneOf(INPUT_TYPE, INPUT_TYPES);
        Truncation truncation = truncation(reader.oneOf(TRUNCATE, TRUNCATE_VALUES, "NONE"));
        Set<Encoding> encodings = encodings(reader);
        reader.validate();
        return new EmbeddingRequest(texts, truncation, encodings);
    }

    private static Truncation truncation(String value) {
        return switch (value) {
            case "START", "LEFT" -> Truncation.START;
            case "END", "RIGHT" -> Truncation.END;
            default -> Truncation.NONE;
        };
    }

    /** Empty when the key is absent (the {@code embeddings_floats} response). */
    private static Set<Encoding> encodings(RequestBodyReader reader) {
        if (!reader.has(EMBEDDING_TYPES)) {
            return Set.of();
        }
        List<String> names = reader.requiredStringList(EMBEDDING_TYPES, 1, EMBEDDING_TYPE_NAMES.size(),
                Integer.MAX_VALUE);
        Set<Encoding> encodings = EnumSet.noneOf(Encoding.class);
        for (String name : names) {
            int index = EMBEDDING_TYPE_NAMES.indexOf(name);
            if (index < 0) {
                reader.reject(EMBEDDING_TYPES, clip(name) + " is not a valid enum value (allowed values: "
                        + String.join(", ", EMBEDDING_TYPE_NAMES) + ")");
            } else {
                encodings.add(Encoding.values()[index]);
            }
        }
        return encodings;
    }

    /**
     * @throws IllegalStateException when the outcome carries no request (a runtime bug, not a client error: the
     *                               response cannot be written without the texts and embedding types)
     */
    @Override
    public byte[] encodeResponse(EmbeddingOutcome outcome) {
        EmbeddingRequest request = outcome.request();
        if (request == null) {
            throw new IllegalStateException("a Cohere Embed response needs the request it answers (texts, "
                    + "embedding_types); build the EmbeddingOutcome with it");
        }
        List<float[]> vectors = outcome.embeddings();
        Set<Encoding> encodings = request.encodings();
        return Json.write(sizeHint(vectors, request), g -> {
            g.writeStartObject();
            if (encodings.isEmpty()) {
                g.writeFieldName("embeddings");
                writeFloats(g, vectors);
            } else {
                g.writeObjectFieldStart("embeddings");
                for (Encoding encoding : encodings) {
                    g.writeFieldName(EMBEDDING_TYPE_NAMES.get(encoding.ordinal()));
                    if (encoding == Encoding.FLOAT) {
                        writeFloats(g, vectors);
                    } else {
                        writeIntegers(g, vectors, encoding);
                    }
                }
                g.writeEndObject();
            }
            g.writeStringField("id", newId());
            g.writeStringField("response_type", encodings.isEmpty() ? EMBEDDINGS_FLOATS : EMBEDDINGS_BY_TYPE);
            g.writeArrayFieldStart(TEXTS);
            for (String text : request.texts()) {
                g.writeString(text);
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    private static void writeFloats(JsonGenerator g, List<float[]> vectors) throws IOException {
        g.writeStartArray();
        for (float[] vector : vectors) {
            g.writeStartArray();
            for (float v : vector) {
                g.writeNumber(v);
            }
            g.writeEndArray();
        }
        g.writeEndArray();
    }

    private static void writeIntegers(JsonGenerator g, List<float[]> vectors, Encoding encoding) throws IOException {
        g.writeStartArray();
        for (float[] vector : vectors) {
            int[] values = switch (encoding) {
                case INT8 -> EmbeddingQuantization.int8(vector);
                case UINT8 -> EmbeddingQuantization.uint8(vector);
                case BINARY -> EmbeddingQuantization.binary(vector);
                case UBINARY -> EmbeddingQuantization.ubinary(vector);
                case FLOAT -> throw new IllegalArgumentException("floats are not integers");
            };
            g.writeArray(values, 0, values.length);
        }
        g.writeEndArray();
    }

    /** A random (version 4) UUID, as Cohere's ids are; ThreadLocalRandom keeps SecureRandom off the event loop. */
    private static String newId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }

    /** About 14 bytes per float and 5 per integer value, plus the echoed texts, so the buffer never regrows. */
    private static int sizeHint(List<float[]> vectors, EmbeddingRequest request) {
        Set<Encoding> encodings = request.encodings();
        boolean floats = encodings.isEmpty() || encodings.contains(Encoding.FLOAT);
        int integerForms = encodings.size() - (encodings.contains(Encoding.FLOAT) ? 1 : 0);
        long perValue = (floats ? 14 : 0) + 5L * integerForms;
        long size = 128;
        for (float[] vector : vectors) {
            size += perValue * vector.length + 8;
        }
        for (String text : request.texts()) {
            size += text.length() + 4;
        }
        return (int) Math.min(size, 64L << 20);
    }

    /** A client's bad value is quoted back; keep a hostile one from echoing kilobytes. */
    private static String clip(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }
}
