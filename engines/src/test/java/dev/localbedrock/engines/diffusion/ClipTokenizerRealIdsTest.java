package dev.localbedrock.engines.diffusion;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Published ids of openai/clip-vit-large-patch14's tokenizer (the vocabulary both SDXL tokenizers ship), reproduced
 * with a fragment of that vocabulary: the words' real ids and merges that build them. The expected sequences are the
 * ones transformers' CLIPTokenizer gives, as quoted in public test suites and in diffusers issue 4153 (the
 * {@code !} handling of SDXL's second tokenizer); none is derived from this implementation.
 */
class ClipTokenizerRealIdsTest {

    private static final Map<String, Integer> VOCAB = ClipTokenizerFixture.vocab(
            "!", 0, "!</w>", 256, ",</w>", 267, "2</w>", 273, "4</w>", 275, "a</w>", 320, "of</w>", 539,
            "'t</w>", 713, "!!</w>", 748, "don</w>", 847, "!!!</w>", 995, "world</w>", 1002, "photo</w>", 1125,
            "times</w>", 1661, "stop</w>", 1691, "cat</w>", 2368, "hello</w>", 3306);
    private static final List<String> MERGES = List.of(
            "p h", "ph o", "pho t", "phot o</w>", "o f</w>", "c a", "ca t</w>", "h e", "he l", "hel l", "hell o</w>",
            "w o", "wo r", "wor l", "worl d</w>", "d o", "do n</w>", "' t</w>", "s t", "st o", "sto p</w>",
            "t i", "ti m", "tim e", "time s</w>", "! !</w>", "! !!</w>");

    @TempDir
    Path root;
    private SdxlTokenizers sdxl;

    @BeforeEach
    void writeExport() throws IOException {
        ClipTokenizerFixture.write(root.resolve("tokenizer"), VOCAB, MERGES,
                ClipTokenizerFixture.SDXL_TOKENIZER_CONFIG, ClipTokenizerFixture.SDXL_TOKENIZER_MAP);
        ClipTokenizerFixture.write(root.resolve("tokenizer_2"), VOCAB, MERGES,
                ClipTokenizerFixture.SDXL_TOKENIZER_2_CONFIG, ClipTokenizerFixture.SDXL_TOKENIZER_2_MAP);
        sdxl = SdxlTokenizers.load(root);
    }

    @Test
    void aPhotoOfACat() {
        int[] expected = new int[77];
        Arrays.fill(expected, 49407);
        System.arraycopy(new int[] {49406, 320, 1125, 539, 320, 2368, 49407}, 0, expected, 0, 7);
        assertArrayEquals(expected, sdxl.first().encode("a photo of a cat"));
        assertEquals(6, sdxl.first().eosIndex(expected));

        int[] second = sdxl.second().encode("a photo of a cat");
        assertArrayEquals(Arrays.copyOf(expected, 7), Arrays.copyOf(second, 7));
        assertArrayEquals(new int[70], Arrays.copyOfRange(second, 7, 77), "tokenizer_2 pads with ! (id 0)");
    }

    @Test
    void casePunctuationContractionsAndDigits() {
        ClipTokenizer t = sdxl.first();
        assertPrefix(new int[] {49406, 3306, 267, 1002, 256, 49407}, t.encode("Hello, world!"));
        assertPrefix(new int[] {49406, 320, 1125, 539, 320, 2368, 256, 49407}, t.encode("A PHOTO of  a Cat!"));
        assertPrefix(new int[] {49406, 847, 713, 1691, 275, 273, 1661, 49407}, t.encode("don't stop 42 times"));
    }

    @Test
    void singleSymbolIdsFollowTheByteOrderOfTheVocabulary() {
        // ids 256..511 are the byte symbols with </w>, in byte-map order; the published ids of ! , 2 4 agree
        for (String s : List.of("!", ",", "2", "4")) {
            int index = 0;
            while (ClipByteUnicode.byteAtVocabIndex(index) != s.charAt(0)) {
                index++;
            }
            assertEquals(VOCAB.get(s + "</w>"), 256 + index, s);
        }
    }

    @Test
    void exclamationMarksAreThePadTokenOnlyForTheSecondTokenizer() {
        // diffusers issue 4153: transformers gives [49406, 0 x6, 49407] for tokenizer_2; the same BPE without "!"
        // as a special token (tokenizer/, and open_clip) gives ! !! !!! as 256 748 995
        assertPrefix(new int[] {49406, 256, 748, 995, 49407}, sdxl.first().encode("! !! !!!"));
        assertPrefix(new int[] {49406, 0, 0, 0, 0, 0, 0, 49407, 0}, sdxl.second().encode("! !! !!!"));
        assertEquals(7, sdxl.second().eosIndex(sdxl.second().encode("! !! !!!")));
    }

    private static void assertPrefix(int[] expected, int[] ids) {
        assertArrayEquals(expected, Arrays.copyOf(ids, expected.length));
    }
}
