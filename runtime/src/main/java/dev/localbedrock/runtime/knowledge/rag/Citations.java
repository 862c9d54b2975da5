package dev.localbedrock.runtime.knowledge.rag;

import dev.localbedrock.codecs.agent.RetrieveAndGenerateBodies.Citation;
import dev.localbedrock.codecs.agent.RetrieveBodies;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One citation per sentence of the answer. A sentence ends at {@code .}, {@code !} or {@code ?} followed by white
 * space, at a line break, or at the end of the text; its span is its characters in the answer, leading and trailing
 * white space left out, {@code end} inclusive. Each sentence cites every retrieved chunk (the model saw them all),
 * ordered by how many of the sentence's words the chunk shares, the nearest retrieval result first among equals.
 */
public final class Citations {
    private static final Pattern SENTENCE = Pattern.compile("[^\\n]*?(?:[.!?](?=\\s)|\\n|$)");
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");

    private Citations() {
    }

    public static List<Citation> of(String answer, List<RetrieveBodies.Result> references) {
        List<Citation> out = new ArrayList<>();
        for (int[] span : sentences(answer)) {
            String sentence = answer.substring(span[0], span[1] + 1);
            Set<String> words = words(sentence);
            List<RetrieveBodies.Result> ranked = new ArrayList<>(references);
            // List.sort is stable: equal overlaps keep the retrieval order.
            ranked.sort(Comparator.comparingInt((RetrieveBodies.Result r) -> -overlap(words, r.text())));
            out.add(new Citation(sentence, span[0], span[1], ranked));
        }
        return out;
    }

    /** Each sentence's first and last character (inclusive), blank sentences skipped. */
    static List<int[]> sentences(String text) {
        List<int[]> spans = new ArrayList<>();
        Matcher m = SENTENCE.matcher(text);
        int from = 0;
        while (from < text.length() && m.find(from)) {
            int start = m.start();
            int end = m.end(); // exclusive
            if (end == start) { // the empty match at the very end
                break;
            }
            while (start < end && Character.isWhitespace(text.charAt(start))) {
                start++;
            }
            int last = end - 1;
            while (last >= start && Character.isWhitespace(text.charAt(last))) {
                last--;
            }
            if (last >= start) {
                spans.add(new int[] {start, last});
            }
            from = end;
        }
        return spans;
    }

    static Set<String> words(String text) {
        Set<String> words = new HashSet<>();
        Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT));
        while (m.find()) {
            words.add(m.group());
        }
        return words;
    }

    private static int overlap(Set<String> words, String text) {
        Set<String> other = words(text);
        int n = 0;
        for (String w : words) {
            if (other.contains(w)) {
                n++;
            }
        }
        return n;
    }
}
