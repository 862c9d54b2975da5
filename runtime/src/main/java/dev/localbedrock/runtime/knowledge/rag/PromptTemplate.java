package dev.localbedrock.runtime.knowledge.rag;

import dev.localbedrock.codecs.agent.RetrieveBodies;

import java.util.List;

/**
 * The generation prompt: a caller's {@code textPromptTemplate}, or this server's own, with {@value #SEARCH_RESULTS}
 * replaced by the retrieved chunks and {@value #QUERY} by the question. A template without either placeholder is
 * used as written (Bedrock does not require them either).
 */
public final class PromptTemplate {
    public static final String SEARCH_RESULTS = "$search_results$";
    public static final String QUERY = "$query$";
    /** This server's default, written for it (Bedrock's own default prompt is not published verbatim). */
    public static final String DEFAULT = """
            You are a question answering assistant. Answer the question using only the search results below. \
            If the search results do not contain the answer, say that you could not find it. Answer in a few \
            plain sentences.

            Search results:
            $search_results$

            Question: $query$""";

    private PromptTemplate() {
    }

    /** The template ({@link #DEFAULT} when {@code template} is null) with both placeholders filled. */
    public static String fill(String template, List<RetrieveBodies.Result> results, String query) {
        String t = template == null ? DEFAULT : template;
        // One pass per placeholder on the template only, so a chunk that happens to contain "$query$" stays as is.
        String formatted = searchResults(results);
        StringBuilder out = new StringBuilder();
        int from = 0;
        while (true) {
            int s = t.indexOf(SEARCH_RESULTS, from);
            int q = t.indexOf(QUERY, from);
            if (s < 0 && q < 0) {
                out.append(t, from, t.length());
                return out.toString();
            }
            boolean search = s >= 0 && (q < 0 || s < q);
            int pos = search ? s : q;
            out.append(t, from, pos).append(search ? formatted : query);
            from = pos + (search ? SEARCH_RESULTS : QUERY).length();
        }
    }

    /** Each result numbered, with its document's URI, so the model can tell them apart. */
    static String searchResults(List<RetrieveBodies.Result> results) {
        if (results.isEmpty()) {
            return "(no results)";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < results.size(); i++) {
            RetrieveBodies.Result r = results.get(i);
            if (i > 0) {
                b.append("\n\n");
            }
            b.append("Source ").append(i + 1).append(" (").append(r.uri()).append("):\n").append(r.text());
        }
        return b.toString();
    }
}
