package dev.localbedrock.runtime.http;

import dev.localbedrock.runtime.ServedModel;

/** What the HTTP layer needs from the service: resolve a client's model id to a served model. */
public interface RuntimeApi {

    /**
     * @throws dev.localbedrock.codecs.BedrockException ValidationException or ResourceNotFoundException
     */
    ServedModel resolve(String modelId);

    /** True once a shutdown began: new requests get 503 ServiceUnavailableException while in-flight ones finish. */
    default boolean draining() {
        return false;
    }
}
