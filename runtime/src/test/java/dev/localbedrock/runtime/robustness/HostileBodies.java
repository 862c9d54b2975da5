package dev.localbedrock.runtime.robustness;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Request bodies a hostile or broken client sends, built from the fuzzer's bytes: each choice below consumes
 * fuzzer input, so coverage guidance steers which shapes and values the server sees. Every shape starts from a
 * family's real keys and its valid bodies (the seeds the mutations start from), so most bodies get past the JSON
 * parser and reach the family's validation.
 */
final class HostileBodies {

    /** Bodies around this size reach the tokenizer: kept rare so the CI form stays in seconds. */
    static final int HUGE_STRING_BYTES = 10 * 1024 * 1024;

    private static final String[] SCALARS = {
            "0", "1", "-1", "0.5", "1.0", "512", "512.0", "2048", "2049", "-0", "-0.0", "1e-50", "1e308", "1e400",
            "-1e400", "1E+2", "123456789012345678901234567890", "0.1e1", "NaN", "Infinity", "-Infinity", "nan",
            "true", "false", "null", "\"\"", "\"0.5\"", "\"hello\"", "[]", "{}", "[1,2]", "{\"a\":1}", "01", "1.",
            ".5", "+1", "0x10", "1e999999999", "-9223372036854775809", "4294967296", "2147483648", "\"\\u0000\"",
            "\"\\ud800\"", "\"\\uDFFF\\uD800\"", "\"[INST] hi [/INST]\""};

    private final FuzzedDataProvider in;
    private final int hugeBudget;
    private int hugeSent;
    /** The family of the body being built. */
    private WireFamily family;

    /** @param hugeBudget how many 10 MB bodies this run may send in all (the rest fall back to 64 KB ones) */
    HostileBodies(FuzzedDataProvider in, int hugeBudget, int hugeSent) {
        this.in = in;
        this.hugeBudget = hugeBudget;
        this.hugeSent = hugeSent;
    }

    int hugeSent() {
        return hugeSent;
    }

    /** A body for {@code family}, and the name of its shape. */
    Body next(Shape shape, WireFamily family, int maxBodyBytes) {
        this.family = family;
        List<String> keys = family.keys;
        return switch (shape) {
            case VALID -> new Body(shape, valid(keys));
            case WRONG_TYPES -> new Body(shape, object(keys, true));
            case EMPTY -> new Body(shape, new byte[0]);
            case BLANK -> new Body(shape, in.pickValue(new String[] {" ", "\n", "\t\r\n ", "null", "[]", "\"\"", "0"})
                    .getBytes(StandardCharsets.US_ASCII));
            case DEEP_NESTING -> new Body(shape, deep(keys));
            case HUGE_STRING -> new Body(shape, huge(keys));
            case OVER_LIMIT -> overLimit(keys, maxBodyBytes);
            case INVALID_UTF8 -> new Body(shape, invalidUtf8(keys));
            case DUPLICATE_KEYS -> new Body(shape, duplicateKeys(keys));
            case UNKNOWN_KEYS -> new Body(shape, unknownKeys(keys));
            case BIT_FLIPS -> new Body(shape, bitFlips(valid(keys)));
            case TRUNCATED -> new Body(shape, truncated(valid(keys)));
            case SPLICED -> new Body(shape, spliced(valid(keys), valid(keys)));
            case RAW -> new Body(shape, in.consumeBytes(in.consumeInt(0, 512)));
        };
    }

    record Body(Shape shape, byte[] bytes) {
    }

    enum Shape {
        VALID, WRONG_TYPES, EMPTY, BLANK, DEEP_NESTING, HUGE_STRING, OVER_LIMIT, INVALID_UTF8, DUPLICATE_KEYS,
        UNKNOWN_KEYS, BIT_FLIPS, TRUNCATED, SPLICED, RAW
    }

    /** A body that passes validation: the required keys and some others, in range (token counts kept small). */
    private byte[] valid(List<String> keys) {
        StringBuilder b = new StringBuilder("{");
        for (String key : keys) {
            if (!family.required.contains(key) && in.consumeBoolean()) {
                continue;
            }
            if (b.length() > 1) {
                b.append(',');
            }
            b.append('"').append(key).append("\":").append(validValue(key));
        }
        return b.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A value the current family accepts for {@code key}. */
    private String validValue(String key) {
        return switch (key) {
            case "prompt" -> family == WireFamily.CLAUDE
                    ? quote(in.pickValue(new String[] {"", "System line", "\n"}) + "\n\nHuman: " + text(30)
                            + "\n\nAssistant:" + (in.consumeBoolean() ? "" : " Sure,"))
                    : quote(text(40));
            case "inputText" -> quote(text(40));
            case "texts" -> texts();
            case "temperature", "top_p", "topP", "p" -> Double.toString(in.consumeProbabilityDouble());
            case "max_gen_len", "max_tokens_to_sample", "maxTokens", "max_tokens" ->
                    Integer.toString(in.consumeInt(1, 8));
            case "top_k", "k" -> Integer.toString(in.consumeInt(0, 500));
            case "num_generations" -> Integer.toString(in.consumeInt(1, 3));
            case "stop_sequences", "stopSequences" -> stopSequences();
            case "anthropic_version" -> "\"bedrock-2023-05-31\"";
            case "return_likelihoods" -> quote(in.pickValue(new String[] {"GENERATION", "ALL", "NONE"}));
            case "truncate" -> quote(in.pickValue(new String[] {"NONE", "START", "END"}));
            case "stream" -> Boolean.toString(in.consumeBoolean());
            case "logit_bias" -> "{\"" + in.consumeInt(0, 31_999) + "\":" + (in.consumeProbabilityDouble() * 20 - 10)
                    + "}";
            case "countPenalty", "presencePenalty", "frequencyPenalty" -> "{\"scale\":"
                    + in.consumeProbabilityDouble() + ",\"applyToNumbers\":" + in.consumeBoolean() + "}";
            case "textGenerationConfig" -> "{\"temperature\":" + in.consumeProbabilityDouble() + ",\"topP\":"
                    + in.consumeProbabilityDouble() + ",\"maxTokenCount\":" + in.consumeInt(1, 8)
                    + (in.consumeBoolean() ? ",\"stopSequences\":" + stopSequences() : "") + "}";
            case "input_type" -> quote(in.pickValue(new String[] {"search_document", "search_query", "classification",
                    "clustering"}));
            case "embedding_types" -> in.consumeBoolean() ? "[\"float\"]"
                    : "[" + quote(in.pickValue(new String[] {"int8", "uint8", "binary", "ubinary"})) + ",\"float\"]";
            default -> "null";
        };
    }

    /** Up to three short non-empty stop sequences (every family's limit is at least 4 of 20 characters). */
    private String stopSequences() {
        int n = in.consumeInt(0, 3);
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            String s = in.consumeString(12);
            b.append(i > 0 ? "," : "").append(quote(s.isEmpty() ? "User:" : s));
        }
        return b.append(']').toString();
    }

    /** One to three texts for Cohere Embed (an empty text is a valid one there). */
    private String texts() {
        int n = in.consumeInt(1, 3);
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            b.append(i > 0 ? "," : "").append(quote(in.consumeString(40)));
        }
        return b.append(']').toString();
    }

    /** Each key with a valid value or, when {@code hostile}, any scalar or structure at all. */
    private byte[] object(List<String> keys, boolean hostile) {
        StringBuilder b = new StringBuilder("{");
        for (String key : keys) {
            if (in.consumeBoolean()) {
                continue;
            }
            if (b.length() > 1) {
                b.append(',');
            }
            b.append('"').append(key).append("\":").append(hostile ? in.pickValue(SCALARS) : validValue(key));
        }
        return b.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    private byte[] deep(List<String> keys) {
        int depth = in.pickValue(new int[] {64, 999, 1000, 1001, 5000, 100_000});
        boolean arrays = in.consumeBoolean();
        StringBuilder b = new StringBuilder("{\"").append(in.pickValue(keys)).append("\":");
        for (int i = 0; i < depth; i++) {
            b.append(arrays ? "[" : "{\"a\":");
        }
        b.append('1');
        for (int i = 0; i < depth; i++) {
            b.append(arrays ? ']' : '}');
        }
        return b.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    private byte[] huge(List<String> keys) {
        int size = hugeSent < hugeBudget ? HUGE_STRING_BYTES : 64 * 1024;
        if (size == HUGE_STRING_BYTES) {
            hugeSent++;
        }
        char fill = in.pickValue(new char[] {'a', ' ', '9', '\u00e9'});
        String key = in.consumeBoolean() ? keys.get(0) : in.pickValue(keys);
        return ("{\"" + key + "\":\"" + String.valueOf(fill).repeat(size / (fill > 127 ? 2 : 1)) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A valid-looking body one byte or more over the server's limit (counted in the huge budget too). */
    private Body overLimit(List<String> keys, int maxBodyBytes) {
        if (hugeSent >= hugeBudget) {
            return new Body(Shape.HUGE_STRING, huge(keys));
        }
        hugeSent++;
        int size = maxBodyBytes + in.consumeInt(1, 4096);
        byte[] body = new byte[size];
        byte[] head = ("{\"" + keys.get(0) + "\":\"").getBytes(StandardCharsets.US_ASCII);
        java.util.Arrays.fill(body, (byte) 'x');
        System.arraycopy(head, 0, body, 0, head.length);
        body[size - 2] = '"';
        body[size - 1] = '}';
        return new Body(Shape.OVER_LIMIT, body);
    }

    /** A string field whose bytes are not UTF-8: lone continuation bytes, overlongs, surrogates, truncated runs. */
    private byte[] invalidUtf8(List<String> keys) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] head = ("{\"" + in.pickValue(keys) + "\":\"ok ").getBytes(StandardCharsets.US_ASCII);
        out.write(head, 0, head.length);
        byte[][] bad = {{(byte) 0x80}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xFF},
                {(byte) 0xFE, (byte) 0xFF}, {0}};
        int n = in.consumeInt(1, 4);
        for (int i = 0; i < n; i++) {
            byte[] b = in.pickValue(bad);
            out.write(b, 0, b.length);
        }
        out.write('"');
        out.write('}');
        return out.toByteArray();
    }

    private byte[] duplicateKeys(List<String> keys) {
        String key = in.pickValue(keys);
        String value = validValue(key);
        String other = in.consumeBoolean() ? value : in.pickValue(SCALARS);
        String valid = new String(valid(keys), StandardCharsets.UTF_8);
        return ("{\"" + key + "\":" + value + "," + valid.substring(1, valid.length() - 1)
                + (valid.length() > 2 ? "," : "") + "\"" + key + "\":" + other + "}").getBytes(StandardCharsets.UTF_8);
    }

    private byte[] unknownKeys(List<String> keys) {
        String valid = new String(valid(keys), StandardCharsets.UTF_8);
        // Other families' keys too: a body meant for one family sent to another.
        String extra = in.pickValue(new String[] {"stop", "top_k", "Prompt", "", "\\u0000", "inputText", "prompt",
                "amazon-bedrock-invocationMetrics", "textGenerationConfig", "texts", "input_type", "max_gen_len",
                "max_tokens_to_sample", "anthropic_version", "num_generations", "maxTokens", "x".repeat(300)});
        return ("{\"" + extra + "\":" + in.pickValue(SCALARS) + "," + valid.substring(1))
                .getBytes(StandardCharsets.UTF_8);
    }

    private byte[] bitFlips(byte[] body) {
        int flips = in.consumeInt(1, 8);
        for (int i = 0; i < flips && body.length > 0; i++) {
            int at = in.consumeInt(0, body.length - 1);
            body[at] ^= (byte) (1 << in.consumeInt(0, 7));
        }
        return body;
    }

    private byte[] truncated(byte[] body) {
        return java.util.Arrays.copyOf(body, in.consumeInt(0, Math.max(0, body.length - 1)));
    }

    /** The head of one valid body followed by the tail of another: brackets and quotes no longer pair up. */
    private byte[] spliced(byte[] a, byte[] b) {
        int cutA = in.consumeInt(0, a.length);
        int cutB = in.consumeInt(0, b.length);
        byte[] out = java.util.Arrays.copyOf(a, cutA + b.length - cutB);
        System.arraycopy(b, cutB, out, cutA, b.length - cutB);
        return out;
    }

    /** Fuzzer text: any code points, escaped for JSON by the caller's {@link #quote}. */
    private String text(int maxChars) {
        String s = in.consumeString(maxChars);
        return s.isEmpty() ? "Hello" : s;
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
