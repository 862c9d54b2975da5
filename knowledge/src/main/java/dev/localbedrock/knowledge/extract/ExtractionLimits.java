package dev.localbedrock.knowledge.extract;

/**
 * Bounds on one document, so a huge or hostile file fails alone instead of exhausting the server's memory.
 * Compressed formats are further guarded by POI's {@code ZipSecureFile} defaults (an entry may not inflate more than
 * 100 times its compressed size), which this class leaves as they are.
 *
 * @param maxInputBytes the largest file read at all; Bedrock's own limit for a knowledge-base source file is 50 MB
 * @param maxTextChars the most text one document may yield; extraction stops as soon as it passes this
 */
public record ExtractionLimits(long maxInputBytes, int maxTextChars) {
    public static final ExtractionLimits DEFAULT = new ExtractionLimits(50L * 1024 * 1024, 20_000_000);

    public ExtractionLimits {
        if (maxInputBytes < 1 || maxTextChars < 1) {
            throw new IllegalArgumentException("limits must be positive: " + maxInputBytes + ", " + maxTextChars);
        }
    }
}
