package dev.localbedrock.runtime.agents;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.Json;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The chunks a turn's searches retrieved, in the order first found and each once, for the answer's
 * {@code attribution.citations}: the answer cites what the agent read before giving it.
 */
final class References {
    private final List<KnowledgeSearch.Reference> found = new ArrayList<>();
    private final Set<String> seen = new LinkedHashSet<>();

    void addAll(List<KnowledgeSearch.Reference> references) {
        for (KnowledgeSearch.Reference r : references) {
            String id = r.metadata().getOrDefault("x-amz-bedrock-kb-chunk-id", r.uri() + "\u0000" + r.text());
            if (seen.add(id)) {
                found.add(r);
            }
        }
    }

    /**
     * The citations of {@code answer}: none when nothing was retrieved, else one whose generated part is the whole
     * answer (span {@code start} 0 to {@code end}, the index of its last character) and whose references are every
     * chunk retrieved. Nothing here tells which sentence came from which chunk, so no finer split is claimed.
     */
    ArrayNode citations(String answer) {
        ArrayNode citations = Json.MAPPER.createArrayNode();
        if (found.isEmpty()) {
            return citations;
        }
        ObjectNode citation = citations.addObject();
        ObjectNode part = citation.putObject("generatedResponsePart").putObject("textResponsePart")
                .put("text", answer);
        part.putObject("span").put("start", 0).put("end", Math.max(0, answer.length() - 1));
        ArrayNode refs = citation.putArray("retrievedReferences");
        found.forEach(r -> refs.add(json(r)));
        return citations;
    }

    /** A RetrievedReference as the runtime model has it. */
    static ObjectNode json(KnowledgeSearch.Reference r) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.putObject("content").put("type", "TEXT").put("text", r.text());
        n.putObject("location").put("type", "S3").putObject("s3Location").put("uri", r.uri());
        ObjectNode metadata = n.putObject("metadata");
        r.metadata().forEach(metadata::put);
        return n;
    }
}
