package dev.localbedrock.codecs;

/**
 * Bodies of AWS errors. Both SDKs read the error code from {@code X-Amzn-ErrorType} and the text from
 * {@code message} (wire protocol §2.5), so the body is only {@code {"message":"..."}}; the same JSON is the
 * payload of an exception event inside a stream (§3.4).
 */
public final class AwsErrorBodies {

    private AwsErrorBodies() {
    }

    /**
     * The JSON error body, escaped by Jackson so any message (quotes, newlines, non-ASCII) survives.
     *
     * @param message shown to the caller verbatim; null becomes the empty string because clients expect a string
     */
    public static byte[] json(String message) {
        String text = message == null ? "" : message;
        return Json.write(16 + text.length(), g -> {
            g.writeStartObject();
            g.writeStringField("message", text);
            g.writeEndObject();
        });
    }
}
