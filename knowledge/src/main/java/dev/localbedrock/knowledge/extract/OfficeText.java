package dev.localbedrock.knowledge.extract;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import org.apache.poi.EncryptedDocumentException;
import org.apache.poi.hssf.OldExcelFormatException;
import org.apache.poi.hssf.extractor.OldExcelExtractor;
import org.apache.poi.hwpf.OldWordFileFormatException;
import org.apache.poi.hwpf.extractor.Word6Extractor;
import org.apache.poi.hwpf.extractor.WordExtractor;
import org.apache.poi.poifs.filesystem.FileMagic;
import org.apache.poi.poifs.filesystem.POIFSFileSystem;
import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.DataFormatter;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.ss.usermodel.Workbook;
import org.apache.poi.ss.usermodel.WorkbookFactory;
import org.apache.poi.xwpf.extractor.XWPFWordExtractor;
import org.apache.poi.xwpf.usermodel.XWPFDocument;

/**
 * Word and Excel through Apache POI. The container is chosen by the file's magic bytes, not its extension, so a
 * {@code .doc} that is really OOXML (a common renaming) still reads; an OLE2 container holding an
 * {@code EncryptionInfo} stream is a password-protected OOXML file, refused as encrypted.
 */
final class OfficeText {
    private OfficeText() {
    }

    static void word(byte[] bytes, BoundedText out, Map<String, String> metadata)
            throws IOException, ExtractionException {
        FileMagic magic = FileMagic.valueOf(bytes);
        if (magic == FileMagic.OOXML) {
            try (XWPFDocument document = new XWPFDocument(new ByteArrayInputStream(bytes));
                 XWPFWordExtractor extractor = new XWPFWordExtractor(document)) {
                String title = document.getProperties().getCoreProperties().getTitle();
                if (title != null && !title.isBlank()) {
                    metadata.put("title", title.strip());
                }
                // The extractor ends each Word paragraph with one line break; make it a paragraph break, as for .doc.
                out.append(extractor.getText().replace("\n", "\n\n"));
            }
        } else if (magic == FileMagic.OLE2) {
            refuseIfEncryptedOoxml(bytes);
            try (WordExtractor extractor = new WordExtractor(new ByteArrayInputStream(bytes))) {
                // Word paragraphs one by one, each a paragraph of the text.
                for (String paragraph : extractor.getParagraphText()) {
                    out.append(paragraph.strip()).append("\n\n");
                }
            } catch (OldWordFileFormatException oldFormat) {
                // Word 6 and Word 95 files: HWPF cannot read them, its Word6Extractor can.
                try (Word6Extractor extractor = new Word6Extractor(new ByteArrayInputStream(bytes))) {
                    out.append(extractor.getText());
                }
            }
        } else {
            throw notA("Word document", magic);
        }
    }

    static void spreadsheet(byte[] bytes, BoundedText out, Map<String, String> metadata)
            throws IOException, ExtractionException {
        FileMagic magic = FileMagic.valueOf(bytes);
        if (magic == FileMagic.OLE2) {
            refuseIfEncryptedOoxml(bytes);
        } else if (magic != FileMagic.OOXML) {
            throw notA("spreadsheet", magic);
        }
        try (Workbook workbook = WorkbookFactory.create(new ByteArrayInputStream(bytes))) {
            // Cells as Excel shows them (number formats, dates, cached formula results), in a fixed locale so the
            // same file gives the same text on every server.
            DataFormatter formatter = new DataFormatter(Locale.US);
            formatter.setUseCachedValuesForFormulaCells(true);
            metadata.put("sheets", Integer.toString(workbook.getNumberOfSheets()));
            for (Sheet sheet : workbook) {
                out.append(sheet.getSheetName()).append("\n\n");
                for (Row row : sheet) {
                    appendRow(row, formatter, out);
                }
                out.append("\n\n");
            }
        } catch (OldExcelFormatException oldFormat) {
            // Excel 5 and 95 workbooks.
            try (OldExcelExtractor extractor = new OldExcelExtractor(new ByteArrayInputStream(bytes))) {
                out.append(extractor.getText());
            }
        }
    }

    /** One line per non-empty row, its cells separated by tabs; empty cells keep their place but trail nothing. */
    private static void appendRow(Row row, DataFormatter formatter, BoundedText out) {
        StringBuilder line = new StringBuilder();
        int pendingTabs = 0;
        for (int column = 0; column < row.getLastCellNum(); column++) {
            Cell cell = row.getCell(column);
            String value = cell == null ? "" : formatter.formatCellValue(cell).strip();
            if (value.isEmpty()) {
                pendingTabs += line.isEmpty() ? 0 : 1;
                continue;
            }
            if (!line.isEmpty()) {
                line.append("\t".repeat(pendingTabs + 1));
            }
            pendingTabs = 0;
            line.append(value.replace('\n', ' '));
        }
        if (!line.isEmpty()) {
            out.append(line.toString()).append('\n');
        }
    }

    private static void refuseIfEncryptedOoxml(byte[] bytes) throws IOException, ExtractionException {
        try (POIFSFileSystem fs = new POIFSFileSystem(new ByteArrayInputStream(bytes))) {
            if (fs.getRoot().hasEntry("EncryptionInfo")) {
                throw new ExtractionException(ExtractionException.Reason.ENCRYPTED,
                        "encrypted Office document (a password is needed to open it)");
            }
        }
    }

    private static ExtractionException notA(String what, FileMagic magic) {
        return new ExtractionException(ExtractionException.Reason.CORRUPT,
                "not a " + what + " (the content looks like " + describe(magic) + ")");
    }

    private static String describe(FileMagic magic) {
        return magic == FileMagic.UNKNOWN ? "no known format" : magic.name();
    }

    static boolean isEncryption(Throwable e) {
        return e instanceof EncryptedDocumentException;
    }
}
