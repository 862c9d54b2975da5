package dev.localbedrock.knowledge.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.localbedrock.knowledge.extract.ExtractionException.Reason;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.encryption.AccessPermission;
import org.apache.pdfbox.pdmodel.encryption.StandardProtectionPolicy;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.poi.hssf.usermodel.HSSFWorkbook;
import org.apache.poi.openxml4j.opc.OPCPackage;
import org.apache.poi.poifs.crypt.EncryptionInfo;
import org.apache.poi.poifs.crypt.EncryptionMode;
import org.apache.poi.poifs.crypt.Encryptor;
import org.apache.poi.poifs.filesystem.POIFSFileSystem;
import org.apache.poi.ss.usermodel.CellStyle;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.ss.usermodel.Workbook;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.apache.poi.xwpf.usermodel.XWPFDocument;
import org.apache.poi.xwpf.usermodel.XWPFTable;
import org.junit.jupiter.api.Test;

/** Every fixture is written here, in code, so the test needs no binary files. */
class ExtractorsTest {
    @Test
    void formatsAreChosenByExtensionIgnoringCase() {
        assertEquals(DocumentFormat.PDF, DocumentFormat.of("reports/2024/Q1.PDF"));
        assertEquals(DocumentFormat.MARKDOWN, DocumentFormat.of("README.markdown"));
        assertEquals(DocumentFormat.HTML, DocumentFormat.of("a.b/page.htm"));
        assertEquals(DocumentFormat.XLSX, DocumentFormat.of("Sheet.XlSx"));
        assertEquals(DocumentFormat.UNSUPPORTED, DocumentFormat.of("archive.tar.gz"));
        assertEquals(DocumentFormat.UNSUPPORTED, DocumentFormat.of("docs.pdf/notes"));
        assertEquals(DocumentFormat.UNSUPPORTED, DocumentFormat.of(".md"));
        assertEquals(DocumentFormat.UNSUPPORTED, DocumentFormat.of("Makefile"));
    }

    @Test
    void plainTextDropsTheBomAndNormalisesLineEnds() throws Exception {
        byte[] bytes = concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
                "First line  \r\nsecond line\r\n\r\n\r\n\r\nNext paragraph\u0007.\r\n".getBytes(StandardCharsets.UTF_8));
        ExtractedDocument document = Extractors.extract("notes.txt", bytes);
        assertEquals("First line\nsecond line\n\nNext paragraph.", document.text());
        assertTrue(document.warnings().isEmpty());
        assertEquals(DocumentFormat.TEXT, document.format());
    }

    @Test
    void invalidUtf8IsReplacedAndSaidSo() throws Exception {
        byte[] bytes = concat("caf".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xE9},
                " au lait".getBytes(StandardCharsets.UTF_8));
        ExtractedDocument document = Extractors.extract("menu.md", bytes);
        assertEquals("caf\uFFFD au lait", document.text());
        assertEquals(java.util.List.of(PlainText.REPLACED_WARNING), document.warnings());
    }

    @Test
    void utf16WithABomIsRead() throws Exception {
        byte[] bytes = concat(new byte[] {(byte) 0xFF, (byte) 0xFE}, "Grüße".getBytes(StandardCharsets.UTF_16LE));
        assertEquals("Grüße", Extractors.extract("g.txt", bytes).text());
    }

    @Test
    void markdownKeepsItsTextAndStructure() throws Exception {
        String md = "# Returns policy\n\nItems may be returned within **30 days**.\n\n- receipt needed\n- unworn\n";
        ExtractedDocument document = Extractors.extract("policy.MD", md.getBytes(StandardCharsets.UTF_8));
        assertEquals(md.strip(), document.text());
    }

    @Test
    void htmlGivesVisibleTextWithBlockBoundaries() throws Exception {
        String html = """
                <html><head><title>Store hours</title><style>p { color: red }</style>
                <script>var secret = "tracking";</script></head>
                <body><h1>Opening times</h1>
                <p>We open at <b>nine</b>
                   on weekdays.</p><div hidden>internal note</div>
                <ul><li>Saturday: ten</li><li>Sunday: closed</li></ul>
                <table><tr><th>Day</th><th>Hours</th></tr><tr><td>Mon</td><td>9-17</td></tr></table>
                <noscript>enable javascript</noscript></body></html>""";
        ExtractedDocument document = Extractors.extract("hours.html", html.getBytes(StandardCharsets.UTF_8));
        String text = document.text();
        assertEquals("Store hours", document.metadata().get("title"));
        assertInOrder(text, "Store hours", "Opening times", "We open at nine on weekdays.", "Saturday: ten",
                "Sunday: closed", "Day\tHours", "Mon\t9-17");
        assertTrue(text.contains("Opening times\n\nWe open at nine on weekdays.\n\nSaturday: ten\nSunday: closed"
                + "\n\nDay\tHours\nMon\t9-17"), text);
        for (String hidden : new String[] {"color", "tracking", "internal note", "enable javascript"}) {
            assertFalse(text.contains(hidden), hidden + " in " + text);
        }
    }

    @Test
    void csvRowsNameTheirValues() throws Exception {
        String csv = "name,city,notes\nAda,London,\"wrote, first\"\nGrace,,admiral\n\n";
        ExtractedDocument document = Extractors.extract("people.csv", csv.getBytes(StandardCharsets.UTF_8));
        assertEquals("name: Ada; city: London; notes: wrote, first\nname: Grace; notes: admiral", document.text());
    }

    @Test
    void csvWithSemicolonsIsRead() throws Exception {
        String csv = "produit;prix\npain;1,20\n";
        assertEquals("produit: pain; prix: 1,20",
                Extractors.extract("prix.csv", csv.getBytes(StandardCharsets.UTF_8)).text());
    }

    @Test
    void malformedCsvFails() {
        ExtractionException e = assertFails(Reason.CORRUPT, "bad.csv",
                "a,b\n\"never closed,2\n".getBytes(StandardCharsets.UTF_8));
        assertTrue(e.getMessage().startsWith("malformed CSV"), e.getMessage());
    }

    @Test
    void docxParagraphsAndTablesInOrder() throws Exception {
        byte[] docx = docx("Warranty terms", "The warranty lasts two years.");
        ExtractedDocument document = Extractors.extract("terms.docx", docx);
        assertInOrder(document.text(), "Warranty terms", "The warranty lasts two years.", "Part", "Years",
                "Battery", "1");
        assertTrue(document.text().contains("Warranty terms\n\nThe warranty lasts two years."), document.text());
    }

    @Test
    void aDocxNamedDocIsStillRead() throws Exception {
        ExtractedDocument document = Extractors.extract("renamed.doc", docx("Renamed", "Still Word."));
        assertInOrder(document.text(), "Renamed", "Still Word.");
    }

    // POI cannot write the binary .doc format (HWPF only reads), so no genuine .doc fixture can be made in code:
    // the tests cover a corrupt .doc and a non-Word OLE2 file named .doc; reading a real .doc is untested here.
    @Test
    void aCorruptDocFailsCleanly() throws Exception {
        ExtractionException garbage = assertFails(Reason.CORRUPT, "old.doc", "not a word file".getBytes());
        assertTrue(garbage.getMessage().contains("not a Word document"), garbage.getMessage());
        byte[] xls = workbookBytes(new HSSFWorkbook());
        ExtractionException notWord = assertFails(Reason.CORRUPT, "actually-excel.doc", xls);
        assertTrue(notWord.getMessage().startsWith("the Word document is corrupt"), notWord.getMessage());
        byte[] truncated = java.util.Arrays.copyOf(xls, 600);
        assertFails(Reason.CORRUPT, "truncated.doc", truncated);
    }

    @Test
    void xlsxSheetsAndFormattedCells() throws Exception {
        ExtractedDocument document = Extractors.extract("sales.xlsx", workbookBytes(salesWorkbook(new XSSFWorkbook())));
        assertSalesText(document);
    }

    @Test
    void xlsSheetsAndFormattedCells() throws Exception {
        ExtractedDocument document = Extractors.extract("sales.XLS", workbookBytes(salesWorkbook(new HSSFWorkbook())));
        assertSalesText(document);
    }

    @Test
    void pdfPagesReadInPositionOrderWithPageBreaksAsParagraphs() throws Exception {
        byte[] pdf;
        try (PDDocument document = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            PDType1Font font = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
            PDPage first = new PDPage();
            document.addPage(first);
            try (PDPageContentStream content = new PDPageContentStream(document, first)) {
                // Written bottom line first: sorting by position must still read the top line first.
                showText(content, font, 100, 600, "written first but printed lower");
                showText(content, font, 100, 700, "Quarterly results improved");
            }
            PDPage second = new PDPage();
            document.addPage(second);
            try (PDPageContentStream content = new PDPageContentStream(document, second)) {
                showText(content, font, 100, 700, "Second page conclusion");
            }
            document.getDocumentInformation().setTitle("Q1 report");
            document.save(out);
            pdf = out.toByteArray();
        }
        ExtractedDocument document = Extractors.extract("q1.pdf", pdf);
        assertEquals("Quarterly results improved\nwritten first but printed lower\n\nSecond page conclusion",
                document.text());
        assertEquals("2", document.metadata().get("pages"));
        assertEquals("Q1 report", document.metadata().get("title"));
    }

    @Test
    void aPdfNeedingAPasswordIsEncrypted() throws Exception {
        ExtractionException e = assertFails(Reason.ENCRYPTED, "secret.pdf", protectedPdf("user-secret"));
        assertEquals("encrypted PDF (a password is needed to open it)", e.getMessage());
    }

    @Test
    void aPdfWithOnlyAnOwnerPasswordIsRead() throws Exception {
        assertEquals("Protected words", Extractors.extract("owner-only.pdf", protectedPdf("")).text());
    }

    @Test
    void aPdfWithoutTextIsEmpty() throws Exception {
        byte[] pdf;
        try (PDDocument document = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            document.addPage(new PDPage());
            document.save(out);
            pdf = out.toByteArray();
        }
        ExtractionException e = assertFails(Reason.EMPTY, "scan.pdf", pdf);
        assertTrue(e.getMessage().contains("no extractable text"), e.getMessage());
    }

    @Test
    void corruptFilesFailWithTheirFormat() {
        assertFails(Reason.CORRUPT, "broken.pdf", "%PDF-1.7\nthis is not a pdf body".getBytes());
        assertFails(Reason.CORRUPT, "broken.docx", "PK\u0003\u0004 truncated zip".getBytes());
        ExtractionException xlsx = assertFails(Reason.CORRUPT, "broken.xlsx", "plain text".getBytes());
        assertTrue(xlsx.getMessage().contains("not a spreadsheet"), xlsx.getMessage());
    }

    @Test
    void encryptedOfficeFilesAreEncrypted() throws Exception {
        byte[] xlsx = encryptOoxml(workbookBytes(salesWorkbook(new XSSFWorkbook())));
        assertFails(Reason.ENCRYPTED, "locked.xlsx", xlsx);
        assertFails(Reason.ENCRYPTED, "locked.docx", encryptOoxml(docx("Locked", "Text.")));
    }

    @Test
    void aZipBombIsRefusedAsTooLarge() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("[Content_Types].xml"));
            zip.write(" ".repeat(4_000_000).getBytes(StandardCharsets.US_ASCII)); // deflates over 1000:1
            zip.closeEntry();
        }
        assertFails(Reason.TOO_LARGE, "bomb.docx", bytes.toByteArray());
    }

    @Test
    void limitsOnInputAndText() throws Exception {
        byte[] text = "word ".repeat(100).getBytes(StandardCharsets.UTF_8);
        ExtractionException input = assertThrows(ExtractionException.class,
                () -> Extractors.extract("big.txt", text, new ExtractionLimits(100, 1000)));
        assertEquals(Reason.TOO_LARGE, input.reason());
        ExtractionException output = assertThrows(ExtractionException.class, () -> Extractors.extract("big.xlsx",
                workbookBytes(salesWorkbook(new XSSFWorkbook())), new ExtractionLimits(1_000_000, 20)));
        assertEquals(Reason.TOO_LARGE, output.reason());
        assertTrue(output.getMessage().contains("20 characters"), output.getMessage());
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 'a';
            }
        };
        ExtractionException stream = assertThrows(ExtractionException.class,
                () -> Extractors.extract("endless.txt", endless, new ExtractionLimits(10_000, 100_000)));
        assertEquals(Reason.TOO_LARGE, stream.reason());
        assertEquals("abc", Extractors.extract("s.txt", new ByteArrayInputStream("abc".getBytes()),
                ExtractionLimits.DEFAULT).text());
    }

    @Test
    void unsupportedAndEmptyFiles() {
        ExtractionException png = assertFails(Reason.UNSUPPORTED_FORMAT, "photo.png", new byte[] {1, 2, 3});
        assertTrue(png.getMessage().startsWith("unsupported file type .png"), png.getMessage());
        assertFails(Reason.UNSUPPORTED_FORMAT, "LICENSE", "text".getBytes());
        assertFails(Reason.EMPTY, "empty.txt", new byte[0]);
        assertFails(Reason.EMPTY, "blank.md", " \n\t\r\n".getBytes());
        assertFails(Reason.EMPTY, "blank.html", "<html><script>x()</script></html>".getBytes());
    }

    private static void assertSalesText(ExtractedDocument document) {
        String text = document.text();
        assertEquals("2", document.metadata().get("sheets"));
        assertInOrder(text, "Revenue", "Region\tAmount\tShare", "North\t1,234.50\t25%", "South\t987.00",
                "Total\t2,221.50", "Notes", "Figures are unaudited.");
        assertTrue(text.startsWith("Revenue\n\nRegion"), text);
        assertFalse(text.contains("SUM("), "the cached value, not the formula: " + text);
    }

    private static <W extends Workbook> W salesWorkbook(W workbook) {
        Sheet revenue = workbook.createSheet("Revenue");
        CellStyle money = workbook.createCellStyle();
        money.setDataFormat(workbook.createDataFormat().getFormat("#,##0.00"));
        CellStyle percent = workbook.createCellStyle();
        percent.setDataFormat(workbook.createDataFormat().getFormat("0%"));
        Row header = revenue.createRow(0);
        header.createCell(0).setCellValue("Region");
        header.createCell(1).setCellValue("Amount");
        header.createCell(2).setCellValue("Share");
        Object[][] rows = {{"North", 1234.5, 0.25}, {"South", 987.0, null}};
        for (int i = 0; i < rows.length; i++) {
            Row row = revenue.createRow(i + 1);
            row.createCell(0).setCellValue((String) rows[i][0]);
            row.createCell(1).setCellValue((Double) rows[i][1]);
            row.getCell(1).setCellStyle(money);
            if (rows[i][2] != null) {
                row.createCell(2).setCellValue((Double) rows[i][2]);
                row.getCell(2).setCellStyle(percent);
            }
        }
        Row total = revenue.createRow(4); // row 3 stays empty
        total.createCell(0).setCellValue("Total");
        total.createCell(1).setCellFormula("SUM(B2:B3)");
        total.getCell(1).setCellStyle(money);
        workbook.getCreationHelper().createFormulaEvaluator().evaluateAll();
        workbook.createSheet("Notes").createRow(0).createCell(0).setCellValue("Figures are unaudited.");
        return workbook;
    }

    private static byte[] workbookBytes(Workbook workbook) throws IOException {
        try (workbook; ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            workbook.write(out);
            return out.toByteArray();
        }
    }

    private static byte[] docx(String heading, String body) throws IOException {
        try (XWPFDocument document = new XWPFDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            document.createParagraph().createRun().setText(heading);
            document.createParagraph().createRun().setText(body);
            XWPFTable table = document.createTable(2, 2);
            table.getRow(0).getCell(0).setText("Part");
            table.getRow(0).getCell(1).setText("Years");
            table.getRow(1).getCell(0).setText("Battery");
            table.getRow(1).getCell(1).setText("1");
            document.write(out);
            return out.toByteArray();
        }
    }

    private static byte[] encryptOoxml(byte[] ooxml) throws Exception {
        try (POIFSFileSystem fs = new POIFSFileSystem(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            // Standard (not agile) encryption: agile's 100,000-round key derivation costs seconds a file.
            EncryptionInfo info = new EncryptionInfo(EncryptionMode.standard);
            Encryptor encryptor = info.getEncryptor();
            encryptor.confirmPassword("pass");
            try (OPCPackage opc = OPCPackage.open(new ByteArrayInputStream(ooxml));
                 OutputStream os = encryptor.getDataStream(fs)) {
                opc.save(os);
            }
            fs.writeFilesystem(out);
            return out.toByteArray();
        }
    }

    private static byte[] protectedPdf(String userPassword) throws IOException {
        try (PDDocument document = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            PDPage page = new PDPage();
            document.addPage(page);
            try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                showText(content, new PDType1Font(Standard14Fonts.FontName.TIMES_ROMAN), 72, 700, "Protected words");
            }
            StandardProtectionPolicy policy = new StandardProtectionPolicy("owner-secret", userPassword,
                    new AccessPermission());
            policy.setEncryptionKeyLength(128);
            document.protect(policy);
            document.save(out);
            return out.toByteArray();
        }
    }

    private static void showText(PDPageContentStream content, PDType1Font font, float x, float y, String text)
            throws IOException {
        content.beginText();
        content.setFont(font, 12);
        content.newLineAtOffset(x, y);
        content.showText(text);
        content.endText();
    }

    private static ExtractionException assertFails(Reason reason, String key, byte[] bytes) {
        ExtractionException e = assertThrows(ExtractionException.class, () -> Extractors.extract(key, bytes));
        assertEquals(reason, e.reason(), e.getMessage());
        assertFalse(e.getMessage().isBlank());
        return e;
    }

    private static void assertInOrder(String text, String... parts) {
        int from = 0;
        for (String part : parts) {
            int at = text.indexOf(part, from);
            assertTrue(at >= 0, "'" + part + "' after position " + from + " in:\n" + text);
            from = at + part.length();
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
