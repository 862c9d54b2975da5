package dev.localbedrock.benchmarks.bandwidth;

import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.hf.SafeTensors;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Bytes of weights one batch-1 decode step reads: every tensor once, except that the embedding lookup reads one row
 * (so an untied embedding matrix is not counted; a tied one is, as the output head). KV-cache reads are left out;
 * they are small next to the weights at short contexts.
 */
public final class DecodeBytes {
    private DecodeBytes() {
    }

    public static long perToken(Path hfDir) throws IOException {
        HfModelConfig c = HfModelConfig.load(hfDir);
        try (SafeTensors st = SafeTensors.open(hfDir)) {
            long total = 0;
            for (String name : st.names()) {
                total += st.info(name).byteLength();
            }
            boolean untied = !c.tieWordEmbeddings() && st.contains("lm_head.weight");
            if (untied && st.contains("model.embed_tokens.weight")) {
                total -= st.info("model.embed_tokens.weight").byteLength();
            }
            return total;
        }
    }
}
