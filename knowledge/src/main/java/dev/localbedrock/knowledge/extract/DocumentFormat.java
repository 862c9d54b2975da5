package dev.localbedrock.knowledge.extract;

import java.util.Locale;

/**
 * The document formats a knowledge base ingests, chosen by the object key's extension (case-insensitive), as the
 * guide lists them: plain text, Markdown, HTML, Word, CSV, Excel and PDF. Anything else is {@link #UNSUPPORTED}, a
 * per-file failure rather than a guess at the content.
 */
public enum DocumentFormat {
    TEXT("txt"),
    MARKDOWN("md", "markdown"),
    HTML("html", "htm"),
    CSV("csv"),
    DOC("doc"),
    DOCX("docx"),
    XLS("xls"),
    XLSX("xlsx"),
    PDF("pdf"),
    UNSUPPORTED;

    private final String[] extensions;

    DocumentFormat(String... extensions) {
        this.extensions = extensions;
    }

    /** The format of an object key or file name such as {@code docs/Report.PDF}; only the last path segment counts. */
    public static DocumentFormat of(String key) {
        String extension = extension(key);
        if (extension.isEmpty()) {
            return UNSUPPORTED;
        }
        for (DocumentFormat format : values()) {
            for (String candidate : format.extensions) {
                if (candidate.equals(extension)) {
                    return format;
                }
            }
        }
        return UNSUPPORTED;
    }

    /** The lower-case extension of the key's last segment, without the dot; empty when there is none. */
    static String extension(String key) {
        if (key == null) {
            return "";
        }
        int slash = Math.max(key.lastIndexOf('/'), key.lastIndexOf('\\'));
        String name = key.substring(slash + 1);
        int dot = name.lastIndexOf('.');
        // A leading dot (".md") names a hidden file, not an extension.
        return dot <= 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    public boolean supported() {
        return this != UNSUPPORTED;
    }
}
