package dev.localbedrock.knowledge.extract;

import dev.localbedrock.knowledge.extract.ExtractionException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pdfbox.pdmodel.encryption.InvalidPasswordException;

/**
 * Text out of one knowledge-base source file. The format comes from the key's extension ({@link DocumentFormat});
 * every failure, whatever the library underneath threw, is an {@link ExtractionException} naming one reason, so that
 * ingestion can record the file as failed and carry on.
 */
public final class Extractors {
    private Extractors() {
    }

    /** Extracts with {@link ExtractionLimits#DEFAULT}. */
    public static ExtractedDocument extract(String key, byte[] bytes) throws ExtractionException {
        return extract(key, bytes, ExtractionLimits.DEFAULT);
    }

    /** Reads the stream (at most the limit's bytes, so an endless stream fails early) and extracts it. */
    public static ExtractedDocument extract(String key, InputStream in, ExtractionLimits limits)
            throws ExtractionException, IOException {
        DocumentFormat format = supportedFormat(key);
        byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limits.maxInputBytes() + 1));
        if (bytes.length > limits.maxInputBytes()) {
            throw tooLargeInput(format, limits);
        }
        return extract(key, bytes, limits);
    }

    public static ExtractedDocument extract(String key, byte[] bytes, ExtractionLimits limits)
            throws ExtractionException {
        DocumentFormat format = supportedFormat(key);
        if (bytes.length > limits.maxInputBytes()) {
            throw tooLargeInput(format, limits);
        }
        if (bytes.length == 0) {
            throw new ExtractionException(Reason.EMPTY, "the file is empty");
        }
        BoundedText out = new BoundedText(limits.maxTextChars());
        Map<String, String> metadata = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        try {
            switch (format) {
                case TEXT, MARKDOWN -> out.append(PlainText.decode(bytes, warnings));
                case CSV -> CsvText.extract(PlainText.decode(bytes, warnings), out);
                case HTML -> HtmlText.extract(bytes, out, metadata);
                case DOC, DOCX -> OfficeText.word(bytes, out, metadata);
                case XLS, XLSX -> OfficeText.spreadsheet(bytes, out, metadata);
                case PDF -> PdfText.extract(bytes, out, metadata);
                case UNSUPPORTED -> throw new IllegalStateException("checked above");
            }
        } catch (BoundedText.LimitExceeded e) {
            throw new ExtractionException(Reason.TOO_LARGE, e.getMessage() + ", the limit for one document");
        } catch (InvalidPasswordException e) {
            throw new ExtractionException(Reason.ENCRYPTED, "encrypted PDF (a password is needed to open it)", e);
        } catch (IOException | RuntimeException e) {
            throw unreadable(format, e);
        }
        String text = TextNormalizer.normalize(out.toString());
        if (text.isEmpty()) {
            throw new ExtractionException(Reason.EMPTY, format == DocumentFormat.PDF
                    ? "the PDF has no extractable text (a scanned PDF needs OCR first)"
                    : "the " + label(format) + " has no text");
        }
        return new ExtractedDocument(text, format, metadata, warnings);
    }

    private static DocumentFormat supportedFormat(String key) throws ExtractionException {
        DocumentFormat format = DocumentFormat.of(key);
        if (!format.supported()) {
            String extension = DocumentFormat.extension(key);
            throw new ExtractionException(Reason.UNSUPPORTED_FORMAT, (extension.isEmpty()
                    ? "the file has no extension" : "unsupported file type ." + extension)
                    + "; supported: .txt .md .markdown .html .htm .csv .doc .docx .xls .xlsx .pdf");
        }
        return format;
    }

    private static ExtractionException tooLargeInput(DocumentFormat format, ExtractionLimits limits) {
        return new ExtractionException(Reason.TOO_LARGE,
                "the " + label(format) + " is larger than " + limits.maxInputBytes() + " bytes, the limit for one file");
    }

    private static ExtractionException unreadable(DocumentFormat format, Exception e) {
        if (OfficeText.isEncryption(e)) {
            return new ExtractionException(Reason.ENCRYPTED,
                    "encrypted " + label(format) + " (a password is needed to open it)", e);
        }
        String detail = CsvText.rootMessage(e);
        if (detail.length() > 200) {
            detail = detail.substring(0, 200) + "…"; // library messages can quote whole records
        }
        if (detail.contains("Zip bomb")) {
            // POI's ZipSecureFile: an entry inflates beyond its allowed ratio or size.
            return new ExtractionException(Reason.TOO_LARGE,
                    "the " + label(format) + " expands beyond the safe decompression limits", e);
        }
        return new ExtractionException(Reason.CORRUPT,
                "the " + label(format) + " is corrupt or not really one (" + detail + ")", e);
    }

    private static String label(DocumentFormat format) {
        return switch (format) {
            case TEXT -> "text file";
            case MARKDOWN -> "Markdown file";
            case HTML -> "HTML file";
            case CSV -> "CSV file";
            case DOC, DOCX -> "Word document";
            case XLS, XLSX -> "Excel workbook";
            case PDF -> "PDF";
            case UNSUPPORTED -> "file";
        };
    }
}
