package dev.localbedrock.runtime.controlplane;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.runtime.state.CustomizationRepository;
import dev.localbedrock.runtime.state.ProvisionedModelRepository;
import dev.localbedrock.runtime.state.TagLimitExceededException;
import dev.localbedrock.runtime.state.TagRepository;

import java.util.Collection;
import java.util.Map;
import java.util.SortedMap;

/**
 * TagResource, UntagResource and ListTagsForResource on the control plane's resources (provisioned models, custom
 * models and model customization jobs), with AWS's tag limits: at most 50 tags per resource, keys of
 * 1 to 128 characters, values of at most 256, and the {@code aws:} prefix reserved. Blocks on the state.
 */
public final class TaggingService {
    public static final int MAX_TAGS = 50;
    static final int MAX_KEY = 128;
    static final int MAX_VALUE = 256;

    private final TagRepository tags;
    private final ProvisionedModelRepository provisioned;
    private final CustomizationRepository customization;

    public TaggingService(TagRepository tags, ProvisionedModelRepository provisioned,
                          CustomizationRepository customization) {
        this.tags = tags;
        this.provisioned = provisioned;
        this.customization = customization;
    }

    /**
     * @throws BedrockException ResourceNotFoundException for an unknown resource, ValidationException for a bad key
     *                          or value, TooManyTagsException past 50 tags
     */
    public void tag(String resourceArn, Map<String, String> add) {
        checkExists(resourceArn);
        add.forEach(TaggingService::checkTag);
        try {
            tags.tag(resourceArn, add, MAX_TAGS);
        } catch (TagLimitExceededException e) {
            throw new BedrockException(BedrockErrorType.TOO_MANY_TAGS, "The resource " + resourceArn + " would have "
                    + "more than " + MAX_TAGS + " tags.");
        }
    }

    public void untag(String resourceArn, Collection<String> keys) {
        checkExists(resourceArn);
        tags.untag(resourceArn, keys);
    }

    public SortedMap<String, String> list(String resourceArn) {
        checkExists(resourceArn);
        return tags.list(resourceArn);
    }

    /** Validates tags before a resource is created with them. */
    public static void checkAll(Map<String, String> tags) {
        tags.forEach(TaggingService::checkTag);
        if (tags.size() > MAX_TAGS) {
            throw new BedrockException(BedrockErrorType.TOO_MANY_TAGS, "At most " + MAX_TAGS + " tags per resource, "
                    + "not " + tags.size() + ".");
        }
    }

    private void checkExists(String resourceArn) {
        if (resourceArn == null || provisioned.findByArn(resourceArn).isEmpty()
                && customization.findModelByArn(resourceArn).isEmpty()
                && customization.findJobByArn(resourceArn).isEmpty()) {
            throw BedrockException.notFound("The resource " + resourceArn + " is not found.");
        }
    }

    private static void checkTag(String key, String value) {
        if (key == null || key.isEmpty() || key.length() > MAX_KEY) {
            throw BedrockException.validation("A tag key must have 1 to " + MAX_KEY + " characters: '" + key + "'.");
        }
        if (key.regionMatches(true, 0, "aws:", 0, 4)) {
            throw BedrockException.validation("The tag key prefix 'aws:' is reserved: '" + key + "'.");
        }
        if (value == null || value.length() > MAX_VALUE) {
            throw BedrockException.validation("A tag value must have at most " + MAX_VALUE + " characters (key '"
                    + key + "').");
        }
    }
}
