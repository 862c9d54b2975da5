package dev.localbedrock.benchmarks.knowledge;

import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.poi.xwpf.usermodel.XWPFDocument;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A generated corpus of mixed documents in the formats ingestion reads — plain text, Markdown, HTML (with the
 * navigation and script a page carries), PDF (real text on wrapped lines, several pages when long) and Word (.docx)
 * — the formats in turn, each document a heading and paragraphs of {@link CorpusText}.
 */
public final class CorpusDocuments {
    /** The formats in the order documents cycle through them. */
    public static final List<String> EXTENSIONS = List.of("txt", "md", "html", "pdf", "docx");
    private static final int WORDS_PER_PARAGRAPH = 90;
    private static final int WORDS_PER_PDF_LINE = 12;
    private static final int PDF_LINES_PER_PAGE = 48;

    /** One written document: its key under the bucket and its size. */
    public record Written(String key, String extension, long bytes) {
    }

    private CorpusDocuments() {
    }

    /** Writes {@code documents} documents of about {@code words} words each under {@code dir}. */
    public static List<Written> write(Path dir, int documents, int words, long seed) throws IOException {
        CorpusText text = new CorpusText(seed);
        Files.createDirectories(dir);
        List<Written> out = new ArrayList<>(documents);
        for (int i = 0; i < documents; i++) {
            String ext = EXTENSIONS.get(i % EXTENSIONS.size());
            String heading = text.heading();
            List<String> paragraphs = new ArrayList<>();
            for (int w = 0; w < words; w += WORDS_PER_PARAGRAPH) {
                paragraphs.add(text.paragraph(Math.min(WORDS_PER_PARAGRAPH, words - w)));
            }
            byte[] bytes = switch (ext) {
                case "txt" -> (heading + "\n\n" + String.join("\n\n", paragraphs) + "\n")
                        .getBytes(StandardCharsets.UTF_8);
                case "md" -> markdown(heading, paragraphs);
                case "html" -> html(heading, paragraphs);
                case "pdf" -> pdf(heading, paragraphs);
                case "docx" -> docx(heading, paragraphs);
                default -> throw new IllegalStateException(ext);
            };
            String key = String.format("doc-%05d.%s", i, ext);
            Files.write(dir.resolve(key), bytes);
            out.add(new Written(key, ext, bytes.length));
        }
        return out;
    }

    static byte[] markdown(String heading, List<String> paragraphs) {
        StringBuilder md = new StringBuilder("# ").append(heading).append("\n\n");
        for (int i = 0; i < paragraphs.size(); i++) {
            if (i > 0 && i % 2 == 0) {
                md.append("## Part ").append(i / 2 + 1).append("\n\n");
            }
            md.append(paragraphs.get(i)).append("\n\n");
        }
        return md.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] html(String heading, List<String> paragraphs) {
        StringBuilder h = new StringBuilder("<!doctype html><html><head><title>").append(heading)
                .append("</title><script>var tracking = 1;</script></head><body><nav>Home | Manuals | Contact</nav>")
                .append("<h1>").append(heading).append("</h1>");
        for (String p : paragraphs) {
            h.append("<p>").append(p).append("</p>");
        }
        return h.append("<footer>Internal use only</footer></body></html>").toString()
                .getBytes(StandardCharsets.UTF_8);
    }

    static byte[] pdf(String heading, List<String> paragraphs) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(heading);
        for (String p : paragraphs) {
            lines.add("");
            String[] words = p.split(" ");
            for (int i = 0; i < words.length; i += WORDS_PER_PDF_LINE) {
                lines.add(String.join(" ", java.util.Arrays.copyOfRange(words, i,
                        Math.min(words.length, i + WORDS_PER_PDF_LINE))));
            }
        }
        try (PDDocument document = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            PDType1Font font = new PDType1Font(Standard14Fonts.FontName.TIMES_ROMAN);
            for (int from = 0; from < lines.size(); from += PDF_LINES_PER_PAGE) {
                PDPage page = new PDPage();
                document.addPage(page);
                try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                    content.beginText();
                    content.setFont(font, 11);
                    content.setLeading(14);
                    content.newLineAtOffset(60, 740);
                    for (String line : lines.subList(from, Math.min(lines.size(), from + PDF_LINES_PER_PAGE))) {
                        content.showText(line);
                        content.newLine();
                    }
                    content.endText();
                }
            }
            document.save(out);
            return out.toByteArray();
        }
    }

    static byte[] docx(String heading, List<String> paragraphs) throws IOException {
        try (XWPFDocument document = new XWPFDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            document.createParagraph().createRun().setText(heading);
            for (String p : paragraphs) {
                document.createParagraph().createRun().setText(p);
            }
            document.write(out);
            return out.toByteArray();
        }
    }
}
