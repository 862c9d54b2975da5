package dev.localbedrock.runtime.robustness;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;

/**
 * Whole requests: a route (InvokeModel and InvokeModelWithResponseStream on every served family, plus paths and
 * methods that are no operation), headers a client may get wrong, and a body from {@link HostileBodies}.
 */
final class WireRequests {
    static final String LLAMA = WireFamily.LLAMA2.modelId;
    static final String TITAN = WireFamily.TITAN_EMBED.modelId;

    private static final String[] CONTENT_TYPES = {
            "application/json", "application/json", "application/json; charset=utf-8", "application/octet-stream",
            "APPLICATION/JSON", "text/plain", "application/xml", "application/x-amz-json-1.1",
            "multipart/form-data; boundary=x", "application/json;", ";", "", "*/*", "application/jsonx"};
    private static final String[] ACCEPTS = {
            "application/json", "*/*", "application/*", "application/json, text/plain", "text/plain", "image/png",
            "application/vnd.amazon.eventstream", ",", ""};
    private static final String[] OTHER_PATHS = {
            "/", "/ping", "/model", "/model/", "/model//invoke", "/model/" + LLAMA, "/model/" + LLAMA + "/converse",
            "/model/" + LLAMA + "/invoke/", "/model/" + LLAMA + "/invoke?x=1", "/model/nope.model-v1/invoke",
            "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A%3Afoundation-model%2F" + LLAMA + "/invoke",
            "/model/%E2%82/invoke", "/model/meta.llama2-13b-chat-v1%00/invoke",
            "/model/" + TITAN + "/invoke-with-response-stream", "/model/a/b/invoke", "/%2e%2e/model",
            "/model/anthropic.claude-v2:1/invoke", "/model/cohere.embed-english-v3/converse",
            "/model/ai21.j2-mid-v1/invoke-with-response-stream/", "/model/amazon.titan-text-express-v1%2Finvoke"};
    private static final String[] METHODS = {"POST", "POST", "POST", "GET", "PUT", "DELETE", "PATCH", "OPTIONS",
            "HEAD", "TRACE", "BREW"};

    private WireRequests() {
    }

    static WireRequest next(FuzzedDataProvider in, HostileBodies bodies, int maxBodyBytes) {
        // The shape first: libFuzzer starts from inputs of a few bytes, and the first value taken reads the last
        // byte, so even the shortest inputs spread over every shape.
        HostileBodies.Shape shape = in.pickValue(HostileBodies.Shape.values());
        // Bodies over the limit go over raw clients (see WireFuzzTest#sendRaw), on both protocols.
        boolean http2 = in.consumeBoolean();
        // Nine in ten requests go to a family's operation (two in three of them InvokeModel, which every family has;
        // the stream route answers a 4xx for Jurassic-2 and the embedding families), the rest to other paths.
        int route = in.consumeInt(0, 9);
        WireFamily family = in.pickValue(WireFamily.values());
        String path;
        if (route < 6) {
            path = family.invokePath();
        } else if (route < 9) {
            path = family.streamPath();
        } else {
            path = in.pickValue(OTHER_PATHS);
        }
        String method = in.consumeInt(0, 7) == 0 ? in.pickValue(METHODS) : "POST";
        String contentType = in.consumeInt(0, 5) == 0 ? nullable(in, CONTENT_TYPES) : "application/json";
        String accept = in.consumeInt(0, 5) == 0 ? nullable(in, ACCEPTS) : null;
        // Not on h2c: the JDK 17 client waits forever for a 100 that an HTTP/2 error answer never sends (JDK-8286171).
        boolean expectContinue = !http2 && in.consumeInt(0, 15) == 0;
        HostileBodies.Body body = bodies.next(shape, family, maxBodyBytes);
        return new WireRequest(http2, method, path, contentType, accept, body.bytes(), expectContinue,
                body.shape().name());
    }

    private static String nullable(FuzzedDataProvider in, String[] values) {
        return in.consumeInt(0, values.length) == values.length ? null : in.pickValue(values);
    }
}
