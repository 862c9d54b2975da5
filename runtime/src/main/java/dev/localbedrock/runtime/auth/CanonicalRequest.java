package dev.localbedrock.runtime.auth;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The SigV4 canonical request, rebuilt on the server side from what was received. Every rule here follows what the
 * AWS SDKs do when they sign for a non-S3 service (aws-sdk-java-v2's V4CanonicalRequest, botocore's SigV4Auth,
 * smithy-typescript's SignatureV4), since a client's signature is over the SDK's form, not over the spec's prose:
 * <ul>
 *   <li>URI: the path as sent, with {@code .}/{@code ..} and empty segments removed, then percent-encoded again
 *       (so {@code %3A} becomes {@code %253A}) with {@code /} and the RFC 3986 unreserved characters kept;</li>
 *   <li>query: each name and value percent-decoded and re-encoded in RFC 3986 form, sorted by encoded name, then by
 *       encoded value; parameters with an empty name are left out (as the Java SDK does);</li>
 *   <li>headers: exactly the client's SignedHeaders, in its order, each value trimmed with inner whitespace runs
 *       collapsed to one space, repeated headers joined with {@code ,}.</li>
 * </ul>
 */
final class CanonicalRequest {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private CanonicalRequest() {}

    static String build(String method, String rawPath, String rawQuery, String omittedQueryName,
                        List<String> signedHeaders, SignedRequest request, String payloadHash) {
        StringBuilder out = new StringBuilder(512);
        out.append(method).append('\n');
        appendUri(out, rawPath);
        out.append('\n');
        appendQuery(out, rawQuery, omittedQueryName);
        out.append('\n');
        for (String name : signedHeaders) {
            out.append(name).append(':');
            appendHeaderValues(out, signedValues(request, name));
            out.append('\n');
        }
        out.append('\n');
        out.append(String.join(";", signedHeaders)).append('\n');
        out.append(payloadHash);
        return out.toString();
    }

    /**
     * A signed header's values. The JavaScript SDK signs HTTP/2 requests with the {@code :authority} pseudo-header,
     * which the HTTP/2-to-HTTP/1 conversion turns into {@code Host} (RFC 9113 section 8.3.1): its value is Host's.
     */
    private static List<String> signedValues(SignedRequest request, String name) {
        List<String> values = request.headerValues(name);
        return values.isEmpty() && name.equals(":authority") ? request.headerValues("host") : values;
    }

    /** The path with dot segments and empty segments removed (as all three SDKs normalize for non-S3 services). */
    static String normalizePath(String rawPath) {
        if (rawPath.isEmpty()) {
            return "/";
        }
        List<String> segments = new ArrayList<>();
        int start = 0;
        while (start <= rawPath.length()) {
            int slash = rawPath.indexOf('/', start);
            int end = slash < 0 ? rawPath.length() : slash;
            String segment = rawPath.substring(start, end);
            if (segment.equals("..")) {
                if (!segments.isEmpty()) {
                    segments.remove(segments.size() - 1);
                }
            } else if (!segment.isEmpty() && !segment.equals(".")) {
                segments.add(segment);
            }
            if (slash < 0) {
                break;
            }
            start = slash + 1;
        }
        StringBuilder path = new StringBuilder(rawPath.length() + 1).append('/');
        path.append(String.join("/", segments));
        if (!segments.isEmpty() && rawPath.endsWith("/")) {
            path.append('/');
        }
        return path.toString();
    }

    private static void appendUri(StringBuilder out, String rawPath) {
        String path = normalizePath(rawPath);
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            if (b == '/' || unreserved(b)) {
                out.append((char) b);
            } else {
                percent(out, b);
            }
        }
    }

    private static void appendQuery(StringBuilder out, String rawQuery, String omittedQueryName) {
        if (rawQuery.isEmpty()) {
            return;
        }
        List<String[]> pairs = new ArrayList<>();
        int start = 0;
        while (start <= rawQuery.length()) {
            int amp = rawQuery.indexOf('&', start);
            int end = amp < 0 ? rawQuery.length() : amp;
            if (end > start) {
                int eq = rawQuery.indexOf('=', start);
                String rawName = eq < 0 || eq > end ? rawQuery.substring(start, end) : rawQuery.substring(start, eq);
                String rawValue = eq < 0 || eq > end ? "" : rawQuery.substring(eq + 1, end);
                String name = reencode(rawName);
                if (!name.isEmpty() && !name.equals(omittedQueryName)) {
                    pairs.add(new String[] {name, reencode(rawValue)});
                }
            }
            if (amp < 0) {
                break;
            }
            start = amp + 1;
        }
        pairs.sort((a, b) -> {
            int byName = a[0].compareTo(b[0]);
            return byName != 0 ? byName : a[1].compareTo(b[1]);
        });
        for (int i = 0; i < pairs.size(); i++) {
            if (i > 0) {
                out.append('&');
            }
            out.append(pairs.get(i)[0]).append('=').append(pairs.get(i)[1]);
        }
    }

    /**
     * Percent-decodes a query component and encodes it again in the one canonical form: byte for byte, so that any
     * spelling of the same bytes ({@code %3a}, {@code %3A}, a raw {@code :}) canonicalizes alike. A {@code %} not
     * followed by two hex digits stands for itself. {@code +} is a literal plus, as in the SDKs' own URLs.
     */
    static String reencode(String component) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(component.length());
        for (int i = 0; i < component.length(); i++) {
            char c = component.charAt(i);
            if (c == '%' && i + 2 < component.length()
                    && hexValue(component.charAt(i + 1)) >= 0 && hexValue(component.charAt(i + 2)) >= 0) {
                bytes.write(hexValue(component.charAt(i + 1)) << 4 | hexValue(component.charAt(i + 2)));
                i += 2;
            } else if (c < 0x80) {
                bytes.write(c);
            } else {
                byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(utf8, 0, utf8.length);
            }
        }
        StringBuilder out = new StringBuilder(component.length() + 8);
        for (byte b : bytes.toByteArray()) {
            if (unreserved(b)) {
                out.append((char) b);
            } else {
                percent(out, b);
            }
        }
        return out.toString();
    }

    /** SigV4's Trimall for each value, the values joined with a comma. */
    private static void appendHeaderValues(StringBuilder out, List<String> values) {
        for (int v = 0; v < values.size(); v++) {
            if (v > 0) {
                out.append(',');
            }
            String value = values.get(v);
            boolean pendingSpace = false;
            boolean any = false;
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\u000b' || c == '\f') {
                    pendingSpace = any;
                } else {
                    if (pendingSpace) {
                        out.append(' ');
                        pendingSpace = false;
                    }
                    out.append(c);
                    any = true;
                }
            }
        }
    }

    private static boolean unreserved(byte b) {
        return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9')
                || b == '-' || b == '_' || b == '.' || b == '~';
    }

    private static void percent(StringBuilder out, byte b) {
        out.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
    }

    static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
