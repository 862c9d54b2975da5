package dev.localbedrock.knowledge.chunk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ChunkerTest {
    /** Like a BERT-style model: one token per whitespace word, plus [CLS] and [SEP]. */
    static final TokenCounter WORDS = text -> {
        int words = 0;
        for (int i = 0; i < text.length(); i++) {
            if (!Character.isWhitespace(text.charAt(i))
                    && (i + 1 == text.length() || Character.isWhitespace(text.charAt(i + 1)))) {
                words++;
            }
        }
        return words + 2;
    };

    /** Closer to a subword tokenizer: a token per 4 letters of a word, a token per punctuation mark, plus 2. */
    static final TokenCounter SUBWORDS = text -> {
        int tokens = 2;
        int run = 0;
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : ' ';
            if (Character.isLetterOrDigit(c)) {
                run++;
                continue;
            }
            tokens += (run + 3) / 4;
            run = 0;
            if (!Character.isWhitespace(c)) {
                tokens++;
            }
        }
        return tokens;
    };

    /** Not monotonic in the text's length: a counter the chunker must not trust beyond what it counted. */
    static final TokenCounter JITTERY = text -> WORDS.countTokens(text) + Math.floorMod(text.hashCode(), 3);

    @Test
    void aDocumentThatFitsIsOneWholeChunk() {
        String text = "  \nA short note about the quarterly report.\n\nIt has two paragraphs.  \n";
        List<Chunk> chunks = Chunker.defaults(WORDS).chunk(text);
        assertEquals(1, chunks.size());
        Chunk only = chunks.get(0);
        assertEquals("A short note about the quarterly report.\n\nIt has two paragraphs.", only.text());
        assertEquals(0, only.ordinal());
        assertEquals(text.indexOf('A'), only.startChar());
        assertEquals(text.substring(only.startChar(), only.endChar()), only.text());
    }

    @Test
    void aBlankDocumentHasNoChunks() {
        assertTrue(Chunker.defaults(WORDS).chunk("").isEmpty());
        assertTrue(Chunker.defaults(WORDS).chunk(" \n\n\t ").isEmpty());
    }

    @Test
    void paragraphsAreKeptTogetherWhenTheyFit() {
        String p1 = words("alpha", 80) + ".";
        String p2 = words("beta", 80) + ".";
        String p3 = words("gamma", 80) + ".";
        String text = p1 + "\n\n" + p2 + "\n\n" + p3;
        List<Chunk> chunks = new Chunker(WORDS, 200, 0).chunk(text);
        assertEquals(List.of(p1 + "\n\n" + p2, p3), chunks.stream().map(Chunk::text).toList());
        assertInvariants(text, chunks, WORDS, 200);
    }

    @Test
    void aLongParagraphIsSplitAtSentenceEnds() {
        StringBuilder text = new StringBuilder();
        for (int s = 0; s < 30; s++) {
            text.append(words("w" + s, 9)).append(". ");
        }
        List<Chunk> chunks = new Chunker(WORDS, 50, 0).chunk(text.toString());
        assertTrue(chunks.size() > 1);
        for (Chunk chunk : chunks) {
            assertTrue(chunk.text().endsWith("."), "ends at a sentence: " + chunk.text());
            assertTrue(WORDS.countTokens(chunk.text()) <= 50);
            // 5 sentences of 9 words, plus 2 special tokens, is as much as fits (a sixth would make 56).
            assertTrue(chunk.ordinal() == chunks.size() - 1 || WORDS.countTokens(chunk.text()) == 47, chunk.text());
        }
        assertInvariants(text.toString(), chunks, WORDS, 50);
    }

    @Test
    void aShortParagraphBeforeALongOneDoesNotBecomeATinyChunk() {
        String text = "Title line\n\n" + words("body", 300);
        List<Chunk> chunks = new Chunker(WORDS, 100, 0).chunk(text);
        assertTrue(chunks.get(0).text().startsWith("Title line\n\nbody0"), chunks.get(0).text());
        assertEquals(100, WORDS.countTokens(chunks.get(0).text()));
        assertInvariants(text, chunks, WORDS, 100);
    }

    @Test
    void aWordLongerThanAChunkIsCutByCharacters() {
        TokenCounter perTenChars = text -> (text.strip().length() + 9) / 10 + 2;
        String text = "start " + "x".repeat(1000) + " end";
        List<Chunk> chunks = new Chunker(perTenChars, 20, 0).chunk(text);
        assertTrue(chunks.size() >= 6, "1000 characters at 180 a chunk");
        assertInvariants(text, chunks, perTenChars, 20);
    }

    @Test
    void noChunkSplitsASurrogatePair() {
        TokenCounter perCodePoint = text -> text.codePointCount(0, text.length()) + 2;
        String text = "\uD83D\uDE00".repeat(500); // 500 emoji, one "word"
        List<Chunk> chunks = new Chunker(perCodePoint, 7, 0).chunk(text);
        for (Chunk chunk : chunks) {
            assertFalse(Character.isLowSurrogate(chunk.text().charAt(0)), "chunk " + chunk.ordinal());
            assertFalse(Character.isHighSurrogate(chunk.text().charAt(chunk.text().length() - 1)));
        }
        assertEquals(100, chunks.size());
        assertInvariants(text, chunks, perCodePoint, 7);
    }

    @Test
    void overlapRepeatsAboutThatShareOfThePreviousChunk() {
        String text = words("t", 1000);
        List<Chunk> chunks = new Chunker(WORDS, 102, 20).chunk(text);
        for (int i = 1; i < chunks.size(); i++) {
            Chunk previous = chunks.get(i - 1);
            Chunk chunk = chunks.get(i);
            assertTrue(chunk.startChar() < previous.endChar(), "starts inside the previous chunk");
            String repeated = text.substring(chunk.startChar(), previous.endChar());
            assertTrue(previous.text().endsWith(repeated));
            int previousWords = WORDS.countTokens(previous.text()) - 2;
            assertEquals(previousWords * 20 / 100, WORDS.countTokens(repeated) - 2, "chunk " + i);
        }
        assertInvariants(text, chunks, WORDS, 102);
    }

    @Test
    void aNearlyTotalOverlapStillMakesProgress() {
        String text = words("long", 60) + " " + words("z", 300);
        List<Chunk> chunks = new Chunker(SUBWORDS, 40, 99).chunk(text);
        assertInvariants(text, chunks, SUBWORDS, 40);
    }

    @Test
    void aLimitBelowTheSpecialTokensIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Chunker(WORDS, 2, 0).chunk("one two three"));
        assertTrue(e.getMessage().contains("maxTokens 2 is too small"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Chunker(WORDS, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Chunker(WORDS, 10, 100));
        assertThrows(IllegalArgumentException.class, () -> new Chunker(WORDS, 10, -1));
    }

    @Test
    void aMegabyteDocumentIsCountedInLinearWork() {
        StringBuilder text = new StringBuilder();
        Random random = new Random(7);
        while (text.length() < 1_000_000) {
            text.append(randomParagraph(random)).append("\n\n");
        }
        AtomicLong counted = new AtomicLong();
        TokenCounter metered = t -> {
            counted.addAndGet(t.length());
            return WORDS.countTokens(t);
        };
        List<Chunk> chunks = Chunker.defaults(metered).chunk(text.toString());
        // The whole document once (does it fit?), then spans about a chunk long: a few dozen per chunk.
        assertTrue(counted.get() < 60L * text.length(), "counted " + counted.get() + " characters");
        assertInvariants(text.toString(), chunks, WORDS, 200);
    }

    @Test
    void randomDocumentsKeepEveryInvariant() {
        Random random = new Random(20240522L);
        TokenCounter[] counters = {WORDS, SUBWORDS, JITTERY};
        int[] overlaps = {0, 10, 50, 99};
        for (int run = 0; run < 250; run++) {
            String text = randomDocument(random);
            TokenCounter counter = counters[run % counters.length];
            int maxTokens = 6 + random.nextInt(250);
            int overlap = overlaps[random.nextInt(overlaps.length)];
            Chunker chunker = new Chunker(counter, maxTokens, overlap);
            List<Chunk> chunks = chunker.chunk(text);
            String context = "run " + run + " max " + maxTokens + " overlap " + overlap;
            assertInvariants(text, chunks, counter, maxTokens);
            assertEquals(chunks, chunker.chunk(text), "deterministic, " + context);
            if (!text.isBlank() && counter.countTokens(text.strip()) <= maxTokens) {
                assertEquals(List.of(text.strip()), chunks.stream().map(Chunk::text).toList(), context);
            }
        }
    }

    /**
     * Every chunk fits and is the document's own text; ordinals count up; chunks end in increasing order; and
     * without their overlaps the chunks are consecutive pieces of the document with only whitespace between them.
     */
    static void assertInvariants(String text, List<Chunk> chunks, TokenCounter counter, int maxTokens) {
        int covered = 0;
        int previousStart = -1;
        for (int i = 0; i < chunks.size(); i++) {
            Chunk chunk = chunks.get(i);
            assertEquals(i, chunk.ordinal());
            assertEquals(text.substring(chunk.startChar(), chunk.endChar()), chunk.text());
            assertFalse(chunk.text().isBlank());
            int tokens = counter.countTokens(chunk.text());
            assertTrue(tokens <= maxTokens, "chunk " + i + " has " + tokens + " tokens: " + chunk.text());
            assertTrue(chunk.startChar() > previousStart, "chunk " + i + " starts after the previous one");
            assertTrue(chunk.endChar() > covered, "chunk " + i + " adds text");
            int coreStart = Math.max(chunk.startChar(), covered);
            assertTrue(text.substring(covered, coreStart).isBlank(), "text lost before chunk " + i);
            covered = chunk.endChar();
            previousStart = chunk.startChar();
        }
        assertTrue(text.substring(covered).isBlank(), "text lost at the end");
    }

    static String words(String stem, int count) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < count; i++) {
            out.append(i == 0 ? "" : " ").append(stem).append(i);
        }
        return out.toString();
    }

    private static String randomDocument(Random random) {
        StringBuilder out = new StringBuilder();
        if (random.nextInt(10) == 0) {
            return random.nextBoolean() ? "" : " \n ";
        }
        int paragraphs = 1 + random.nextInt(random.nextInt(4) == 0 ? 1 : 12);
        for (int p = 0; p < paragraphs; p++) {
            out.append(randomParagraph(random)).append(random.nextInt(5) == 0 ? "\n" : "\n\n");
        }
        return random.nextBoolean() ? out.toString() : "  " + out;
    }

    private static String randomParagraph(Random random) {
        StringBuilder out = new StringBuilder();
        int sentences = 1 + random.nextInt(8);
        for (int s = 0; s < sentences; s++) {
            int words = 1 + random.nextInt(25);
            for (int w = 0; w < words; w++) {
                out.append(w == 0 ? "" : random.nextInt(20) == 0 ? "  " : " ");
                int length = random.nextInt(60) == 0 ? 200 + random.nextInt(400) : 1 + random.nextInt(12);
                for (int c = 0; c < length; c++) {
                    int pick = random.nextInt(40);
                    out.append(pick == 0 ? "\u00E9" : pick == 1 ? "\uD83D\uDE00" : (char) ('a' + random.nextInt(26)));
                }
            }
            out.append(".!?;".charAt(random.nextInt(4))).append(random.nextInt(6) == 0 ? "\n" : " ");
        }
        return out.toString();
    }
}
