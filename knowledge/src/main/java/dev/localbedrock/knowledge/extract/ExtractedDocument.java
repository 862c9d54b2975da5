package dev.localbedrock.knowledge.extract;

import java.util.List;
import java.util.Map;

/**
 * The text of one document, normalised (LF line ends, no control characters, at most one blank line between
 * paragraphs, trimmed), with what the format told us about it.
 *
 * @param text the extracted text; never blank
 * @param format the format it was read as
 * @param metadata facts the document itself carries, such as {@code title}, {@code pages} or {@code sheets}
 * @param warnings what was repaired on the way (invalid UTF-8 replaced, for example); empty when nothing was
 */
public record ExtractedDocument(String text, DocumentFormat format, Map<String, String> metadata,
                                List<String> warnings) {
    public ExtractedDocument {
        metadata = Map.copyOf(metadata);
        warnings = List.copyOf(warnings);
    }
}
