package dev.localbedrock.runtime.state;

import java.util.Collection;
import java.util.Map;
import java.util.SortedMap;

/** Tags on any resource, by its ARN. Each call is one transaction: all of its tags are written, or none. */
public interface TagRepository {
    /** The resource's tags, by key. */
    SortedMap<String, String> list(String resourceArn);

    /**
     * Adds the tags, replacing the values of keys already there. The limit is checked inside the same
     * transaction, so concurrent calls cannot together exceed it.
     *
     * @throws TagLimitExceededException when the resource would end with more than {@code maxTags} tags
     */
    void tag(String resourceArn, Map<String, String> tags, int maxTags);

    /** Removes these keys (absent ones are ignored). @return how many were removed */
    int untag(String resourceArn, Collection<String> keys);

    /** Removes every tag of the resource (when it is deleted). @return how many were removed */
    int removeAll(String resourceArn);
}
