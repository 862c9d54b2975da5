package dev.localbedrock.runtime.chat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code json.dumps} as transformers' {@code tojson} filter calls it ({@code ensure_ascii=False} unless asked,
 * separators {@code ", "}/{@code ": "}, or {@code ","}/{@code ": "} with an indent), so tool schemas and tool-call
 * arguments reach the prompt byte for byte as Hugging Face writes them. Jinjava's own {@code tojson} writes compact
 * Jackson output instead.
 */
final class PythonJson {
    private PythonJson() {
    }

    record Options(boolean ensureAscii, String indent, String itemSeparator, String keySeparator,
                   boolean sortKeys) {
        static final Options DEFAULT = of(false, null, null, false);

        static Options of(boolean ensureAscii, String indent, List<String> separators, boolean sortKeys) {
            String item = indent == null ? ", " : ",";
            String key = ": ";
            if (separators != null && separators.size() == 2) {
                item = separators.get(0);
                key = separators.get(1);
            }
            return new Options(ensureAscii, indent, item, key, sortKeys);
        }
    }

    static String dumps(Object value, Options options) {
        StringBuilder out = new StringBuilder();
        write(out, value, options, 0);
        return out.toString();
    }

    private static void write(StringBuilder out, Object value, Options o, int depth) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (value instanceof Double || value instanceof Float) {
            out.append(pythonFloat(((Number) value).doubleValue()));
        } else if (value instanceof BigDecimal d) {
            out.append(pythonFloat(d.doubleValue()));
        } else if (value instanceof Number n) {
            out.append(n);
        } else if (value instanceof Map<?, ?> map) {
            List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
            if (o.sortKeys()) {
                entries.sort((a, b) -> String.valueOf(a.getKey()).compareTo(String.valueOf(b.getKey())));
            }
            if (entries.isEmpty()) {
                out.append("{}");
                return;
            }
            out.append('{');
            for (int i = 0; i < entries.size(); i++) {
                separate(out, o, depth + 1, i > 0);
                string(out, String.valueOf(entries.get(i).getKey()), o.ensureAscii());
                out.append(o.keySeparator());
                write(out, entries.get(i).getValue(), o, depth + 1);
            }
            close(out, o, depth);
            out.append('}');
        } else if (value instanceof Iterable<?> items) {
            List<Object> list = new ArrayList<>();
            items.forEach(list::add);
            if (list.isEmpty()) {
                out.append("[]");
                return;
            }
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                separate(out, o, depth + 1, i > 0);
                write(out, list.get(i), o, depth + 1);
            }
            close(out, o, depth);
            out.append(']');
        } else {
            string(out, value.toString(), o.ensureAscii());
        }
    }

    private static void separate(StringBuilder out, Options o, int depth, boolean notFirst) {
        if (notFirst) {
            out.append(o.itemSeparator());
        }
        if (o.indent() != null) {
            out.append('\n').append(o.indent().repeat(depth));
        }
    }

    private static void close(StringBuilder out, Options o, int depth) {
        if (o.indent() != null) {
            out.append('\n').append(o.indent().repeat(depth));
        }
    }

    private static void string(StringBuilder out, String s, boolean ensureAscii) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Python's {@code repr(float)}: {@code 1.0}, {@code 21.5}, {@code 1e-05}, {@code 1e+16}, {@code NaN}. */
    static String pythonFloat(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e16) {
            return String.format(java.util.Locale.ROOT, "%.1f", d);
        }
        BigDecimal exact = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exponent = exact.precision() - exact.scale() - 1;
        if (exponent < -4 || exponent >= 16) {
            String digits = exact.unscaledValue().abs().toString();
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+")
                    + String.format("%02d", Math.abs(exponent));
        }
        return exact.toPlainString();
    }
}
