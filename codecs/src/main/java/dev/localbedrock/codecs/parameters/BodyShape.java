package dev.localbedrock.codecs.parameters;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A text family's request body as a form sees it: where the prompt goes and every inference parameter, in the order
 * of the guide's request body (bedrock-spec §2.x). Each family codec's {@code bodyShape()} returns the table it
 * validates with. {@link BodyShapeJson} writes it as JSON.
 *
 * <p>Keys that are part of the protocol rather than of the generation (Claude's {@code anthropic_version}, Cohere's
 * {@code stream}, which the operation decides) are not parameters and are not listed.
 *
 * @param promptPath the prompt's key path ({@code prompt}, {@code inputText}), a required non-empty string; null
 *                   for a body whose input is not one string (Converse's messages)
 * @param parameters the parameters, in the order of the guide's request body
 */
public record BodyShape(String promptPath, List<BodyParameter> parameters) {

    public BodyShape {
        parameters = List.copyOf(parameters);
        Set<String> paths = new HashSet<>();
        for (BodyParameter parameter : parameters) {
            if (!paths.add(parameter.path()) || parameter.path().equals(promptPath)) {
                throw new IllegalArgumentException("two entries for " + parameter.path());
            }
        }
    }

    /** The parameter at {@code path}. */
    public BodyParameter parameter(String path) {
        for (BodyParameter parameter : parameters) {
            if (parameter.path().equals(path)) {
                return parameter;
            }
        }
        throw new IllegalArgumentException("no parameter " + path + " in " + this);
    }

    /** A shape from its parameters (varargs for the codecs' tables). */
    public static BodyShape of(String promptPath, BodyParameter... parameters) {
        return new BodyShape(promptPath, List.of(Objects.requireNonNull(parameters)));
    }
}
