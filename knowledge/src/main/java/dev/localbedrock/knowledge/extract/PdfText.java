package dev.localbedrock.knowledge.extract;

import java.io.IOException;
import java.util.Map;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;
import org.apache.pdfbox.text.PDFTextStripper;

/**
 * PDF text through PDFBox, in reading order (sorted by position, so multi-column and out-of-order content streams
 * read as printed), with each page ending a paragraph. A PDF that needs a user password throws PDFBox's
 * {@code InvalidPasswordException}, which Extractors reports as encrypted; one with only an owner password (no
 * password to open) is read, as every viewer would.
 */
final class PdfText {
    private PdfText() {
    }

    static void extract(byte[] bytes, BoundedText out, Map<String, String> metadata) throws IOException {
        try (PDDocument document = Loader.loadPDF(bytes)) {
            metadata.put("pages", Integer.toString(document.getNumberOfPages()));
            PDDocumentInformation info = document.getDocumentInformation();
            if (info != null && info.getTitle() != null && !info.getTitle().isBlank()) {
                metadata.put("title", info.getTitle().strip());
            }
            PDFTextStripper stripper = new PDFTextStripper();
            stripper.setSortByPosition(true);
            stripper.setLineSeparator("\n");
            stripper.setPageEnd("\n\n");
            stripper.writeText(document, out);
        }
    }
}
