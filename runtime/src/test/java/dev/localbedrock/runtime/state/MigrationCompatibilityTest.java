package dev.localbedrock.runtime.state;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every schema migration must be additive, so that the release before it still runs on the migrated database (a
 * rolling upgrade has old and new replicas on one schema for a while): new tables, new indexes, new columns that
 * may be null or have a default. Dropping, renaming or retyping anything, or a new NOT NULL column without a default,
 * would break the older replicas' reads or inserts, and is refused here before it ships.
 */
class MigrationCompatibilityTest {
    private static final Pattern STATEMENTS = Pattern.compile(";\\s*");
    private static final List<Pattern> BREAKING = List.of(
            Pattern.compile("\\bdrop\\s+(table|column|index|view)\\b"),
            Pattern.compile("\\brename\\b"),
            Pattern.compile("\\balter\\s+table\\s+\\S+\\s+alter\\b"),
            Pattern.compile("\\btruncate\\b"),
            Pattern.compile("\\bdelete\\s+from\\b"),
            Pattern.compile("\\bupdate\\s+\\S+\\s+set\\b"));
    private static final Pattern ADD_COLUMN = Pattern.compile("\\balter\\s+table\\s+\\S+\\s+add\\s+(column\\s+)?");

    static List<Path> migrations() throws IOException, URISyntaxException {
        Path dir = Path.of(MigrationCompatibilityTest.class.getResource("/db/migration").toURI());
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().matches("V\\d+__.*\\.sql")).sorted().toList();
        }
    }

    /** The statements of a migration, lower-cased, with {@code --} comments removed. */
    static List<String> statements(Path migration) throws IOException {
        StringBuilder sql = new StringBuilder();
        for (String line : Files.readAllLines(migration)) {
            int comment = line.indexOf("--");
            sql.append(comment >= 0 ? line.substring(0, comment) : line).append('\n');
        }
        List<String> out = new ArrayList<>();
        for (String s : STATEMENTS.split(sql.toString().toLowerCase(Locale.ROOT))) {
            if (!s.isBlank()) {
                out.add(s.strip().replaceAll("\\s+", " "));
            }
        }
        return out;
    }

    /** Why {@code statement} would break the release before it, or null. */
    static String breaking(String statement) {
        for (Pattern p : BREAKING) {
            if (p.matcher(statement).find()) {
                return "it changes or removes what the previous release reads (" + p.pattern() + ")";
            }
        }
        if (ADD_COLUMN.matcher(statement).find() && statement.contains("not null")
                && !statement.contains("default")) {
            return "a NOT NULL column without a default breaks the previous release's inserts";
        }
        return null;
    }

    @Test
    void everyMigrationOnlyAdds() throws Exception {
        List<Path> all = migrations();
        assertTrue(all.size() >= 7, "the migrations are found: " + all);
        List<String> problems = new ArrayList<>();
        for (Path m : all) {
            for (String s : statements(m)) {
                String why = breaking(s);
                if (why != null) {
                    problems.add(m.getFileName() + ": " + s + ": " + why);
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void theCheckRefusesWhatWouldBreakAnOlderReplica() {
        assertTrue(breaking("drop table agents") != null);
        assertTrue(breaking("alter table agents drop column name") != null);
        assertTrue(breaking("alter table agents rename column name to title") != null);
        assertTrue(breaking("alter table agents alter column name type text") != null);
        assertTrue(breaking("alter table agents add column owner text not null") != null);
        assertTrue(breaking("update agents set status = 'x'") != null);
        assertEquals(null, breaking("alter table agents add column owner text not null default ''"));
        assertEquals(null, breaking("alter table agents add column owner text"));
        assertEquals(null, breaking("create table leases (id text primary key, owner text not null)"));
        assertEquals(null, breaking("create index agents_by_name on agents (name)"));
    }
}
