package dev.localbedrock.engines.diffusion;

/**
 * One prompt as a CLIP text encoder takes it: exactly {@code maxLength} ids ({@code bos, content..., eos, pad...}),
 * the attention mask (1 from bos through eos, 0 on padding) and where the eos sits, which is the position SDXL's
 * pooled text embedding is read from.
 */
public record ClipEncoding(int[] ids, int[] attentionMask, int eosIndex) {

    public ClipEncoding {
        if (ids.length != attentionMask.length) {
            throw new IllegalArgumentException("ids and attention mask differ in length: " + ids.length + " and "
                    + attentionMask.length);
        }
        if (eosIndex < 1 || eosIndex >= ids.length) {
            throw new IllegalArgumentException("eos index " + eosIndex + " is outside 1.." + (ids.length - 1));
        }
        ids = ids.clone();
        attentionMask = attentionMask.clone();
    }

    @Override
    public int[] ids() {
        return ids.clone();
    }

    @Override
    public int[] attentionMask() {
        return attentionMask.clone();
    }
}
