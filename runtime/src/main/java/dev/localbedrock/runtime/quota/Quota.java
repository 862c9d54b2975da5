package dev.localbedrock.runtime.quota;

import java.util.List;
import java.util.Locale;

/**
 * A model's on-demand quota: requests and tokens (prompt plus output) processed per minute; 0 = unlimited. The
 * defaults are Bedrock's quota table (user guide, "Quotas"); an id the table has no row for takes its family's closest
 * row, as listed in {@link #ROWS}.
 *
 * @param requestsPerMinute requests admitted per minute; 0 = unlimited
 * @param tokensPerMinute   tokens processed per minute; 0 = unlimited
 */
public record Quota(int requestsPerMinute, int tokensPerMinute) {
    /** The largest per-minute figure models.yaml accepts; keeps the limiter's fixed-point arithmetic exact. */
    public static final int MAX_PER_MINUTE = 10_000_000;
    public static final Quota UNLIMITED = new Quota(0, 0);

    public Quota {
        if (requestsPerMinute < 0 || requestsPerMinute > MAX_PER_MINUTE || tokensPerMinute < 0
                || tokensPerMinute > MAX_PER_MINUTE) {
            throw new IllegalArgumentException("quota out of range: " + requestsPerMinute + " / " + tokensPerMinute);
        }
    }

    public boolean unlimited() {
        return requestsPerMinute == 0 && tokensPerMinute == 0;
    }

    private record Row(String idPrefix, Quota quota) {
    }

    /**
     * Bedrock's rows by id prefix, most specific first. Ids without a row of their own: Titan Text Lite/Agile take
     * Titan Express's; Claude v1 takes Claude V2's; Jurassic-2 Grande/Jumbo take Mid's/Ultra's; Llama 2 70B and
     * Llama 3 take Llama 2 13B's. Stability's token quota is "n/a" in the table: unlimited.
     */
    private static final List<Row> ROWS = List.of(
            new Row("amazon.titan-embed", new Quota(2_000, 300_000)),
            new Row("amazon.titan-text", new Quota(400, 300_000)),
            new Row("anthropic.claude-instant", new Quota(400, 300_000)),
            new Row("anthropic.claude", new Quota(100, 200_000)),
            new Row("ai21.j2-ultra", new Quota(100, 300_000)),
            new Row("ai21.j2-jumbo", new Quota(100, 300_000)),
            new Row("ai21.j2", new Quota(400, 300_000)),
            new Row("cohere.command", new Quota(400, 300_000)),
            new Row("cohere.embed", new Quota(400, 300_000)),
            new Row("meta.llama", new Quota(800, 300_000)),
            new Row("stability.", new Quota(60, 0)));

    /** Family fallbacks for ids outside Bedrock's namespace (a local id with an explicit family). */
    private static final List<Row> FAMILY_ROWS = List.of(
            new Row("amazon-titan-embed", new Quota(2_000, 300_000)),
            new Row("amazon-titan-text", new Quota(400, 300_000)),
            new Row("anthropic-claude", new Quota(100, 200_000)),
            new Row("ai21-j2", new Quota(400, 300_000)),
            new Row("cohere-command", new Quota(400, 300_000)),
            new Row("cohere-embed", new Quota(400, 300_000)),
            new Row("meta-llama2", new Quota(800, 300_000)));

    /** Bedrock's default quota for {@code id} (served as {@code family}); unlimited when neither has a row. */
    public static Quota defaultFor(String id, String family) {
        String lower = id.toLowerCase(Locale.ROOT);
        for (Row row : ROWS) {
            if (lower.startsWith(row.idPrefix())) {
                return row.quota();
            }
        }
        for (Row row : FAMILY_ROWS) {
            if (row.idPrefix().equals(family)) {
                return row.quota();
            }
        }
        return UNLIMITED;
    }
}
