package dev.localbedrock.engines.hf;

import java.util.Locale;

/**
 * Element types a safetensors header may name. Only the floating-point ones convert to float32; the rest exist so a
 * checkpoint holding, say, an int64 buffer still opens and the error names the tensor when it is asked for as floats.
 */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1), F8_E4M3(1), F8_E5M2(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Whether {@link SafeTensors#floats} can convert this type. */
    public boolean convertibleToF32() {
        return this == F32 || this == F16 || this == BF16 || this == F64;
    }

    /** Parses a header's {@code dtype} string; {@code null} when unknown (reported when the tensor is used). */
    static DType fromHeader(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
