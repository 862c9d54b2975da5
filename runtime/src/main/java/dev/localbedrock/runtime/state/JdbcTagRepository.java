package dev.localbedrock.runtime.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** {@link TagRepository} over the {@code tags} table. */
final class JdbcTagRepository implements TagRepository {
    private final Transactor tx;

    JdbcTagRepository(Transactor tx) {
        this.tx = tx;
    }

    @Override
    public SortedMap<String, String> list(String resourceArn) {
        return tx.inTransaction("list tags of " + resourceArn, c -> read(c, resourceArn));
    }

    @Override
    public void tag(String resourceArn, Map<String, String> tags, int maxTags) {
        tx.inTransaction("tag " + resourceArn, c -> {
            WriteLocks.serialize(c, "tags of " + resourceArn); // another replica's tagging counts after this one
            upsert(c, resourceArn, tags);
            int count = read(c, resourceArn).size();
            if (count > maxTags) {
                throw new TagLimitExceededException(resourceArn, count, maxTags); // rolls the inserts back
            }
            return count;
        });
    }

    /** Adds or replaces {@code tags} within the caller's transaction (also a create's, so both land together). */
    static void upsert(Connection c, String resourceArn, Map<String, String> tags) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO tags (resource_arn, tag_key, tag_value)"
                + " VALUES (?, ?, ?) ON CONFLICT (resource_arn, tag_key) DO UPDATE SET"
                + " tag_value = excluded.tag_value")) {
            for (Map.Entry<String, String> tag : tags.entrySet()) {
                s.setString(1, resourceArn);
                s.setString(2, tag.getKey());
                s.setString(3, tag.getValue());
                s.executeUpdate();
            }
        }
    }

    @Override
    public int untag(String resourceArn, Collection<String> keys) {
        return tx.inTransaction("untag " + resourceArn, c -> {
            int removed = 0;
            try (PreparedStatement s = c.prepareStatement(
                    "DELETE FROM tags WHERE resource_arn = ? AND tag_key = ?")) {
                for (String key : keys) {
                    s.setString(1, resourceArn);
                    s.setString(2, key);
                    removed += s.executeUpdate();
                }
            }
            return removed;
        });
    }

    @Override
    public int removeAll(String resourceArn) {
        return tx.inTransaction("remove tags of " + resourceArn, c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM tags WHERE resource_arn = ?")) {
                s.setString(1, resourceArn);
                return s.executeUpdate();
            }
        });
    }

    private static SortedMap<String, String> read(Connection c, String resourceArn) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT tag_key, tag_value FROM tags WHERE resource_arn = ? ORDER BY tag_key")) {
            s.setString(1, resourceArn);
            try (ResultSet rows = s.executeQuery()) {
                SortedMap<String, String> all = new TreeMap<>();
                while (rows.next()) {
                    all.put(rows.getString("tag_key"), rows.getString("tag_value"));
                }
                return all;
            }
        }
    }
}
