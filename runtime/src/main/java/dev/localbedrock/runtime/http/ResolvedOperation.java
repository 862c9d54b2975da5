package dev.localbedrock.runtime.http;

import java.util.Map;

/**
 * The operation a request line names, with its path parameters already percent-decoded, so no handler decodes a
 * path again (or decodes it differently).
 */
record ResolvedOperation(Operation operation, Map<String, String> pathParameters) {
    ResolvedOperation {
        pathParameters = Map.copyOf(pathParameters);
    }

    /** The decoded value of a parameter of the operation's path template, e.g. {@code modelId}. */
    String pathParameter(String name) {
        String value = pathParameters.get(name);
        if (value == null) {
            throw new IllegalArgumentException(operation + " has no path parameter " + name);
        }
        return value;
    }
}
