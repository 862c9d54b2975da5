package dev.localbedrock.runtime.generation;

/**
 * Automatic prefix caching for one model ({@link PrefixCache}; docs/models-yaml.md, "Prefix caching").
 *
 * @param enabled     whether prompts are looked up in and added to the cache
 * @param blockTokens the granularity of cached prefixes, in tokens: a prompt prefix is cached and reused in whole
 *                    blocks, and while the cache is on a prompt is prefilled one block per chunk up to its last
 *                    whole block (so cached and uncached prefills split at the same points and give the same floats)
 * @param maxShare    the most of {@code kv_cache_tokens} cached prefixes may hold while no request needs the room;
 *                    in (0, 1]
 */
public record PrefixCacheSettings(boolean enabled, int blockTokens, double maxShare) {
    public static final int DEFAULT_BLOCK_TOKENS = 64;
    public static final double DEFAULT_MAX_SHARE = 0.25;
    public static final PrefixCacheSettings DISABLED = new PrefixCacheSettings(false, DEFAULT_BLOCK_TOKENS,
            DEFAULT_MAX_SHARE);

    public PrefixCacheSettings {
        if (blockTokens < 1) {
            throw new IllegalArgumentException("blockTokens must be at least 1, not " + blockTokens);
        }
        if (!(maxShare > 0 && maxShare <= 1)) {
            throw new IllegalArgumentException("maxShare must be in (0, 1], not " + maxShare);
        }
    }

    /** On, with {@code blockTokens} and the default share. */
    public static PrefixCacheSettings enabled(int blockTokens) {
        return new PrefixCacheSettings(true, blockTokens, DEFAULT_MAX_SHARE);
    }
}
