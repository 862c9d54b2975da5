package dev.localbedrock.knowledge.extract;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * CSV as one line per data row, each value named by its column's header ({@code name: Ada; born: 1815}), so that a
 * row read on its own (as a chunk is) still says what its values mean. The first record is the header. Empty
 * values are left out; a value past the header's width is named {@code column N}. The delimiter is a comma unless
 * the header line has more semicolons or tabs (spreadsheet exports in many locales).
 */
final class CsvText {
    private CsvText() {
    }

    static void extract(String text, BoundedText out) throws ExtractionException {
        CSVFormat format = CSVFormat.DEFAULT.builder()
                .setDelimiter(delimiter(text))
                .setIgnoreEmptyLines(true)
                .setTrim(true)
                .get();
        List<String> header = null;
        try (CSVParser parser = CSVParser.parse(new StringReader(text), format)) {
            for (CSVRecord record : parser) {
                if (header == null) {
                    header = new ArrayList<>(record.toList());
                    continue;
                }
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < record.size(); i++) {
                    String value = record.get(i);
                    if (value.isEmpty()) {
                        continue;
                    }
                    String name = i < header.size() && !header.get(i).isEmpty() ? header.get(i) : "column " + (i + 1);
                    if (!line.isEmpty()) {
                        line.append("; ");
                    }
                    line.append(name).append(": ").append(value);
                }
                if (!line.isEmpty()) {
                    out.append(line.toString()).append('\n');
                }
            }
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            // Commons CSV reports an unterminated quote or a broken escape as one of these.
            throw new ExtractionException(ExtractionException.Reason.CORRUPT,
                    "malformed CSV: " + rootMessage(e), e);
        }
        if (header != null && out.length() == 0) {
            // A header alone is still the file's content.
            out.append(String.join("; ", header));
        }
    }

    private static char delimiter(String text) {
        int end = text.indexOf('\n');
        String first = end < 0 ? text : text.substring(0, end);
        long commas = first.chars().filter(c -> c == ',').count();
        long semicolons = first.chars().filter(c -> c == ';').count();
        long tabs = first.chars().filter(c -> c == '\t').count();
        if (tabs > commas && tabs >= semicolons) {
            return '\t';
        }
        return semicolons > commas ? ';' : ',';
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
