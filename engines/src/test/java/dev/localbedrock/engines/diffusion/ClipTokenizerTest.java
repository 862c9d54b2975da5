package dev.localbedrock.engines.diffusion;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CLIP BPE rules on a vocabulary and merges written here, small enough to follow each merge by hand. */
class ClipTokenizerTest {

    @TempDir
    Path dir;

    private ClipTokenizer withMerges(String... merges) throws IOException {
        return ClipTokenizer.load(ClipTokenizerFixture.write(dir.resolve("t" + Math.abs(Arrays.hashCode(merges))),
                ClipTokenizerFixture.vocab("a</w>", 10), List.of(merges), null, null));
    }

    @Test
    void lowerRankMergesFirstAndBlocksTheOtherPair() throws IOException {
        // "abc" -> a b c</w>; whichever pair ranks first decides the split.
        assertEquals(List.of("a", "bc</w>"), withMerges("b c</w>", "a b").tokenize("abc"));
        assertEquals(List.of("ab", "c</w>"), withMerges("a b", "b c</w>").tokenize("abc"));
        assertEquals(List.of("abc</w>"), withMerges("a b", "ab c</w>").tokenize("abc"));
    }

    @Test
    void aMergeJoinsEveryOccurrenceLeftToRightWithoutOverlap() throws IOException {
        assertEquals(List.of("aa", "aa", "a</w>"), withMerges("a a").tokenize("aaaaa"));
        assertEquals(List.of("aaaa", "a</w>"), withMerges("a a", "aa aa").tokenize("aaaaa"));
    }

    @Test
    void endOfWordMarksOnlyTheLastSymbolOfEachPreToken() throws IOException {
        ClipTokenizer t = withMerges();
        assertEquals(List.of("a</w>"), t.tokenize("a"));
        assertEquals(List.of("a", "b</w>", "c</w>"), t.tokenize("ab c"));
        // "b c" never merges across the word boundary, and "b c</w>" is a different pair from "b c"
        assertEquals(List.of("a", "b</w>"), withMerges("b c").tokenize("ab"));
    }

    @Test
    void textIsLowercasedAndWhitespaceCollapsed() throws IOException {
        ClipTokenizer t = withMerges("h e", "he y</w>");
        assertEquals(List.of("hey</w>", "hey</w>"), t.tokenize("  HEY \t\n\u00A0 hEy  "));
        assertEquals(t.tokenize("hey hey"), t.tokenize("HEY   HEY"));
    }

    @Test
    void punctuationRunsSplitFromLettersAndContractionsSplitOff() throws IOException {
        ClipTokenizer t = withMerges("h i</w>", "' s</w>");
        assertEquals(List.of("hi</w>", ",</w>", "hi</w>", "!", "?</w>"), t.tokenize("hi,hi!?"));
        assertEquals(List.of("hi</w>", "'s</w>"), t.tokenize("HI'S"));
    }

    @Test
    void numbersSplitOneDigitPerToken() throws IOException {
        ClipTokenizer t = withMerges("2 0", "20 2", "x 1</w>");
        assertEquals(List.of("2</w>", "0</w>", "2</w>", "4</w>"), t.tokenize("2024"));
        assertEquals(List.of("x</w>", "1</w>"), t.tokenize("x1"));
    }

    @Test
    void nonAsciiGoesThroughTheByteMapAndUnknownSymbolsBecomeUnk() throws IOException {
        ClipTokenizer t = withMerges();
        // é is UTF-8 C3 A9; both bytes are printable Latin-1 and stand for themselves
        assertEquals(List.of("\u00C3", "\u00A9</w>"), t.tokenize("\u00E9"));
        // 😀 is F0 9F 98 80; the last three bytes are not printable and map above U+0100
        assertEquals(List.of("\u00F0", "\u0141", "\u013A", "\u0122</w>"), t.tokenize("\uD83D\uDE00"));
        int[] ids = t.encode("a \u00E9");
        assertArrayEquals(new int[] {49406, 10, 49407, 49407, 49407, 49407}, Arrays.copyOf(ids, 6),
                "a</w> is known; the two byte symbols of é are not, so each is unk (<|endoftext|>)");
    }

    @Test
    void controlAndFormatCharactersAreDroppedAndIdeographsStandAlone() throws IOException {
        ClipTokenizer t = withMerges("a b", "ab c</w>");
        assertEquals(List.of("abc</w>"), t.tokenize("a\u0000b\u200Bc\uFFFD"));
        // 日本: each ideograph is its own word, so each ends in </w>
        List<String> cjk = t.tokenize("\u65E5\u672C");
        assertEquals(6, cjk.size());
        assertTrue(cjk.get(2).endsWith("</w>") && cjk.get(5).endsWith("</w>"), cjk.toString());
    }

    @Test
    void markersTypedInThePromptKeepTheirIds() throws IOException {
        ClipTokenizer t = withMerges();
        assertArrayEquals(new int[] {49406, 10, 49407, 10, 49407}, Arrays.copyOf(t.encode("a<|endoftext|>a"), 5));
        // split out before the regex runs: the regex alone would read "!<|" as one symbol run
        assertEquals(List.of("!</w>", "<|startoftext|>"), t.tokenize("!<|startoftext|>"));
    }

    @Test
    void longPromptsAreCutSoEosStaysLast() throws IOException {
        ClipTokenizer t = withMerges();
        ClipEncoding e = t.encodeWithMask("a ".repeat(200));
        int[] ids = e.ids();
        assertEquals(77, ids.length);
        assertEquals(49406, ids[0]);
        for (int i = 1; i <= 75; i++) {
            assertEquals(10, ids[i], "position " + i);
        }
        assertEquals(49407, ids[76]);
        assertEquals(76, e.eosIndex());
        assertEquals(76, t.eosIndex(ids));
        assertEquals(77, Arrays.stream(e.attentionMask()).sum());
        // exactly 75 content tokens fit without cutting
        assertEquals(76, t.encodeWithMask("a ".repeat(75)).eosIndex());
        assertEquals(76, t.encodeWithMask("a ".repeat(76)).eosIndex());
    }

    @Test
    void padsWithEachFoldersPadTokenAndMasksThePadding() throws IOException {
        Map<String, Integer> vocab = ClipTokenizerFixture.vocab("!", 0, "a</w>", 320);
        ClipTokenizer first = ClipTokenizer.load(ClipTokenizerFixture.write(dir.resolve("tokenizer"), vocab,
                List.of(), ClipTokenizerFixture.SDXL_TOKENIZER_CONFIG, ClipTokenizerFixture.SDXL_TOKENIZER_MAP));
        ClipTokenizer second = ClipTokenizer.load(ClipTokenizerFixture.write(dir.resolve("tokenizer_2"), vocab,
                List.of(), ClipTokenizerFixture.SDXL_TOKENIZER_2_CONFIG, ClipTokenizerFixture.SDXL_TOKENIZER_2_MAP));
        assertEquals(49407, first.padId());
        assertEquals(0, second.padId());

        ClipEncoding e1 = first.encodeWithMask("a");
        ClipEncoding e2 = second.encodeWithMask("a");
        int[] mask = new int[77];
        Arrays.fill(mask, 0, 3, 1);
        int[] pad1 = new int[77];
        Arrays.fill(pad1, 49407);
        pad1[0] = 49406;
        pad1[1] = 320;
        int[] pad2 = pad1.clone();
        Arrays.fill(pad2, 3, 77, 0);
        assertArrayEquals(pad1, e1.ids());
        assertArrayEquals(pad2, e2.ids());
        assertArrayEquals(mask, e1.attentionMask());
        assertArrayEquals(mask, e2.attentionMask());
        // with eos as pad, the eos index is the first eos, not the last
        assertEquals(2, e1.eosIndex());
        assertEquals(2, first.eosIndex(e1.ids()));
        assertEquals(2, second.eosIndex(e2.ids()));
    }

    @Test
    void modelMaxLengthAndTokensComeFromTheConfigFiles() throws IOException {
        String config = "{\"model_max_length\": 8, \"pad_token\": \"<|endoftext|>\"}";
        String map = "{\"pad_token\": {\"content\": \"a</w>\"}}"; // the map wins over tokenizer_config.json
        ClipTokenizer t = ClipTokenizer.load(ClipTokenizerFixture.write(dir.resolve("short"),
                ClipTokenizerFixture.vocab("a</w>", 10, "b</w>", 11), List.of(), config, map));
        assertEquals(8, t.maxLength());
        assertArrayEquals(new int[] {49406, 11, 11, 11, 11, 11, 11, 49407}, t.encode("b b b b b b b b b"));
        assertArrayEquals(new int[] {49406, 11, 49407, 10, 10, 10, 10, 10}, t.encode("b"));
    }

    @Test
    void mergesBeyondClipsTrainedCountAreIgnored() throws IOException {
        String[] merges = new String[ClipBpe.MAX_MERGES + 1];
        Arrays.fill(merges, "q q");
        merges[ClipBpe.MAX_MERGES] = "a b"; // one line past the limit
        ClipTokenizer t = withMerges(merges);
        assertEquals(List.of("a", "b</w>"), t.tokenize("ab"));
    }

    @Test
    void brokenFoldersAreRefusedNamingTheFileAndKey() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        IllegalArgumentException noVocab = assertThrows(IllegalArgumentException.class,
                () -> ClipTokenizer.load(empty));
        assertTrue(noVocab.getMessage().contains("vocab.json"), noVocab.getMessage());

        Path noPad = ClipTokenizerFixture.write(dir.resolve("nopad"), ClipTokenizerFixture.vocab("a</w>", 1),
                List.of(), "{\"pad_token\": \"[PAD]\"}", null);
        IllegalArgumentException pad = assertThrows(IllegalArgumentException.class, () -> ClipTokenizer.load(noPad));
        assertTrue(pad.getMessage().contains("[PAD]"), pad.getMessage());

        Path badMerge = ClipTokenizerFixture.write(dir.resolve("badmerge"), ClipTokenizerFixture.vocab(),
                List.of("a b", "abc"), null, null);
        IllegalArgumentException merge = assertThrows(IllegalArgumentException.class,
                () -> ClipTokenizer.load(badMerge));
        assertTrue(merge.getMessage().contains("merges.txt line 3"), merge.getMessage());

        Path badLength = ClipTokenizerFixture.write(dir.resolve("badlength"), ClipTokenizerFixture.vocab(),
                List.of(), "{\"model_max_length\": 1000000000000000019884624838656}", null);
        IllegalArgumentException length = assertThrows(IllegalArgumentException.class,
                () -> ClipTokenizer.load(badLength));
        assertTrue(length.getMessage().contains("model_max_length"), length.getMessage());

        ClipTokenizer t = withMerges();
        assertThrows(IllegalArgumentException.class, () -> t.eosIndex(new int[] {49406, 10}));
    }

    @Test
    void byteMapMatchesTheWellKnownGpt2Symbols() {
        assertEquals("\u0120", ClipByteUnicode.encode(" "), "space is Ġ");
        assertEquals("\u010A", ClipByteUnicode.encode("\n"), "newline is Ċ");
        assertEquals("\u00F0\u0141\u013A\u0122", ClipByteUnicode.encode("\uD83D\uDE00"));
        boolean[] seen = new boolean[512];
        for (int b = 0; b < 256; b++) {
            char c = ClipByteUnicode.symbol(b);
            assertTrue(c < 512 && !seen[c], "byte " + b + " maps to a fresh symbol");
            seen[c] = true;
            assertTrue(!Character.isWhitespace(c) && !Character.isISOControl(c), "byte " + b);
        }
        assertEquals('!', ClipByteUnicode.byteAtVocabIndex(0));
        assertEquals(0, ClipByteUnicode.byteAtVocabIndex(188), "the first unprintable byte follows the 188 printable");
    }
}
