package dev.localbedrock.runtime.state;

/** Tagging would leave a resource with more tags than allowed. Nothing was written. */
public final class TagLimitExceededException extends StateException {
    private final int limit;

    public TagLimitExceededException(String resourceArn, int resulting, int limit) {
        super("resource " + resourceArn + " would have " + resulting + " tags, more than the limit of " + limit);
        this.limit = limit;
    }

    public int limit() {
        return limit;
    }
}
