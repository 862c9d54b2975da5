package dev.localbedrock.engines.onnxruntime;

import java.util.Arrays;

/**
 * Texts of one session run as the encoder takes them: row-major {@code [rows, width]} arrays, each text right-padded
 * to the longest with the pad id, and a mask of 1 over the real tokens, which the graph and mean pooling both read.
 */
record PaddedBatch(long[] ids, long[] mask, long[] typeIds, int rows, int width) {
    static PaddedBatch of(EncoderTokenizer.Tokens[] texts, long padId) {
        int b = texts.length;
        int s = 0;
        for (EncoderTokenizer.Tokens t : texts) {
            s = Math.max(s, t.ids().length);
        }
        long[] ids = new long[b * s];
        long[] mask = new long[b * s];
        long[] types = new long[b * s];
        Arrays.fill(ids, padId);
        for (int r = 0; r < b; r++) {
            long[] rid = texts[r].ids();
            System.arraycopy(rid, 0, ids, r * s, rid.length);
            System.arraycopy(texts[r].typeIds(), 0, types, r * s, rid.length);
            Arrays.fill(mask, r * s, r * s + rid.length, 1L);
        }
        return new PaddedBatch(ids, mask, types, b, s);
    }

    long[] shape() {
        return new long[] {rows, width};
    }
}
