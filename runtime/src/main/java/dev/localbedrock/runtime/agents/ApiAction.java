package dev.localbedrock.runtime.agents;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * One operation an action group offers the agent: an OpenAPI operation ({@code apiPath} + {@code verb}) or a
 * function of a function schema ({@code apiPath} is then the function's name and {@code verb} null), with every
 * local {@code $ref} already resolved so the schemas stand alone.
 *
 * @param requestBody the {@code application/json} request body's JSON schema, or null when there is none
 */
public record ApiAction(String apiPath, String verb, String description, List<Parameter> parameters,
                        JsonNode requestBody, boolean requestBodyRequired) {
    public ApiAction {
        parameters = List.copyOf(parameters);
    }

    /** Whether this came from a function schema (the Lambda event then names a function, not a path). */
    public boolean isFunction() {
        return verb == null;
    }

    /**
     * A parameter of the operation.
     *
     * @param in     {@code path}, {@code query}, {@code header} or {@code cookie}; {@code function} for a
     *               function-schema parameter
     * @param schema its JSON schema ({@code {"type": ...}} for a function parameter)
     */
    public record Parameter(String name, String in, boolean required, String description, JsonNode schema) {
    }
}
