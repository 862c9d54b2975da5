package dev.localbedrock.codecs.inference;

import java.util.List;
import java.util.Objects;

/**
 * A finished image request, family-neutral: one artifact per image asked for, in order.
 *
 * @param artifacts the images (at least one); their count is the request's {@code OutputImageCount}
 */
public record ImageGenerationOutcome(List<ImageArtifact> artifacts) {
    public ImageGenerationOutcome {
        artifacts = List.copyOf(Objects.requireNonNull(artifacts, "artifacts"));
        if (artifacts.isEmpty()) {
            throw new IllegalArgumentException("an image outcome needs at least one artifact");
        }
    }
}
