package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockException;
import io.netty.handler.codec.http.HttpMethod;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A parsed bedrock-runtime request line. The model id arrives percent-encoded as one path segment
 * ({@code arn%3Aaws%3Abedrock...%2Fmeta.llama2-13b-chat-v1}), so the raw path is split on '/' first and each segment
 * is decoded on its own; decoding the whole path first would split an ARN in two.
 */
record Route(Kind kind, String modelId) {
    enum Kind { INVOKE, INVOKE_STREAM, HEALTH }

    /** Thrown for paths and methods that are not an operation of the API. */
    static final class UnknownOperation extends RuntimeException {
        UnknownOperation(String message) {
            super(message);
        }
    }

    static Route parse(HttpMethod method, String uri) {
        int q = uri.indexOf('?');
        String path = q >= 0 ? uri.substring(0, q) : uri;
        String[] segments = path.split("/", -1);
        if (segments.length == 2 && segments[1].equals("ping") && HttpMethod.GET.equals(method)) {
            return new Route(Kind.HEALTH, null);
        }
        if (segments.length == 4 && segments[0].isEmpty() && segments[1].equals("model")) {
            Kind kind = switch (segments[3]) {
                case "invoke" -> Kind.INVOKE;
                case "invoke-with-response-stream" -> Kind.INVOKE_STREAM;
                default -> null;
            };
            if (kind != null) {
                if (!HttpMethod.POST.equals(method)) {
                    throw new UnknownOperation("Method " + method + " is not supported on " + path
                            + "; use POST.");
                }
                return new Route(kind, percentDecode(segments[2]));
            }
        }
        throw new UnknownOperation("No operation matches " + method + " " + path
                + ". Supported: POST /model/{modelId}/invoke, POST /model/{modelId}/invoke-with-response-stream.");
    }

    /** RFC 3986 percent-decoding of one path segment ('+' stays '+', unlike form decoding). */
    static String percentDecode(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%') {
                if (i + 2 >= segment.length()) {
                    throw BedrockException.validation("Malformed percent-encoding in the modelId path segment.");
                }
                int hi = Character.digit(segment.charAt(i + 1), 16);
                int lo = Character.digit(segment.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw BedrockException.validation("Malformed percent-encoding in the modelId path segment.");
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
