package dev.localbedrock.runtime.agents;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Where a turn's events go: the InvokeAgent response stream. Callable from any thread. */
public interface TurnEvents {
    /** Whether the client is still there; the loop stops when it is not. */
    boolean open();

    /** One {@code trace} event: a whole TracePart. */
    void trace(ObjectNode tracePart);

    /**
     * One {@code chunk} event carrying {@code text}, with {@code attribution.citations} (an empty list when the turn
     * retrieved nothing).
     */
    void chunk(String text, ArrayNode citations);

    /** One {@code returnControl} event (a ReturnControlPayload), then the end of the stream. */
    void returnControl(ObjectNode payload);

    /** Ends the stream with a {@code dependencyFailedException}. */
    void dependencyFailed(String message, String resourceName);

    /** Ends the stream normally. */
    void end();
}
