package dev.localbedrock.runtime.robustness;

/**
 * One request the wire fuzzer sends.
 *
 * @param http2          send over HTTP/2 cleartext (h2c, reached by the Upgrade from HTTP/1.1) instead of HTTP/1.1
 * @param method         the HTTP method, valid or not for the route
 * @param path           the request path, a real route or not
 * @param contentType    the Content-Type header, or null for none
 * @param accept         the Accept (or X-Amzn-Bedrock-Accept for streams) header, or null for none
 * @param body           the body bytes, possibly empty
 * @param expectContinue send {@code Expect: 100-continue} and wait for the server's go-ahead before the body
 * @param shape          what kind of body it is, for the outcome table
 */
record WireRequest(boolean http2, String method, String path, String contentType, String accept, byte[] body,
                   boolean expectContinue, String shape) {

    boolean isStream() {
        return path.endsWith("/invoke-with-response-stream");
    }

    @Override
    public String toString() {
        String preview = new String(body, 0, Math.min(body.length, 160), java.nio.charset.StandardCharsets.ISO_8859_1);
        return (http2 ? "h2c " : "http/1.1 ") + method + " " + path + " content-type=" + contentType + " accept="
                + accept + " expect-continue=" + expectContinue + " shape=" + shape + " body(" + body.length
                + " bytes)=" + preview;
    }
}
