package dev.localbedrock.runtime.observe;

/**
 * Receives every completed API call. Called on the connection's event loop or a decode thread, once per call: an
 * implementation must be quick and must not block (hand slow work — files, S3, webhooks — to its own bounded queue
 * and thread), and must not throw (what it throws is logged and dropped; the call's response is already written).
 */
public interface CallListener {

    void completed(CompletedCall call);

    /**
     * Whether this listener needs request and response bodies (invocation logging, when it is on). Bodies are kept
     * only while some listener says so; checked per call, so it may change at run time.
     */
    default boolean wantsBodies() {
        return false;
    }
}
