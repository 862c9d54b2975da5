package dev.localbedrock.runtime.chat;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * The Python {@code str} methods chat templates call ({@code content.strip()}, {@code role.upper()},
 * {@code text.startswith('<')}, ...), which Jinjava would otherwise look up as Java methods of {@link String} and
 * not find (or find with Java's meaning). Placed in front of Jinjava's own resolver; anything else falls through.
 */
final class PythonStringMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || method == null) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result = call(s, method.toString(), args);
        if (result != NOT_HANDLED) {
            context.setPropertyResolved(true);
            return result;
        }
        return null;
    }

    private static final Object NOT_HANDLED = new Object();

    private static Object call(String s, String name, Object[] args) {
        return switch (name) {
            case "strip" -> PythonText.strip(s, chars(args), true, true);
            case "lstrip" -> PythonText.strip(s, chars(args), true, false);
            case "rstrip" -> PythonText.strip(s, chars(args), false, true);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "capitalize" -> s.isEmpty() ? s
                    : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "title" -> title(s);
            case "startswith" -> affix(s, args, true);
            case "endswith" -> affix(s, args, false);
            case "split" -> split(s, args);
            case "replace" -> args.length >= 2 ? replace(s, str(args[0]), str(args[1]),
                    args.length > 2 ? ((Number) args[2]).intValue() : -1) : NOT_HANDLED;
            case "join" -> args.length == 1 && args[0] instanceof Iterable<?> items ? join(s, items) : NOT_HANDLED;
            case "find" -> args.length == 1 ? (long) s.indexOf(str(args[0])) : NOT_HANDLED;
            default -> NOT_HANDLED;
        };
    }

    private static String chars(Object[] args) {
        return args.length > 0 && args[0] != null ? str(args[0]) : null;
    }

    private static String str(Object o) {
        return String.valueOf(o);
    }

    /** {@code startswith}/{@code endswith} take a string or a tuple (here: a list) of strings. */
    private static boolean affix(String s, Object[] args, boolean start) {
        if (args.length == 0) {
            return false;
        }
        if (args[0] instanceof Iterable<?> options) {
            for (Object o : options) {
                if (start ? s.startsWith(str(o)) : s.endsWith(str(o))) {
                    return true;
                }
            }
            return false;
        }
        return start ? s.startsWith(str(args[0])) : s.endsWith(str(args[0]));
    }

    /** Python's split: no separator splits on runs of whitespace and drops empty ends. */
    private static List<String> split(String s, Object[] args) {
        String sep = args.length > 0 && args[0] != null ? str(args[0]) : null;
        int max = args.length > 1 ? ((Number) args[1]).intValue() : -1;
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (i < n) {
                while (i < n && PythonText.isSpace(s.charAt(i))) {
                    i++;
                }
                if (i == n) {
                    break;
                }
                if (max >= 0 && parts.size() == max) {
                    parts.add(PythonText.strip(s.substring(i), null, false, true));
                    break;
                }
                int j = i;
                while (j < n && !PythonText.isSpace(s.charAt(j))) {
                    j++;
                }
                parts.add(s.substring(i, j));
                i = j;
            }
            return parts;
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        int from = 0;
        int at;
        while ((max < 0 || parts.size() < max) && (at = s.indexOf(sep, from)) >= 0) {
            parts.add(s.substring(from, at));
            from = at + sep.length();
        }
        parts.add(s.substring(from));
        return parts;
    }

    private static String replace(String s, String old, String replacement, int count) {
        if (count < 0) {
            return s.replace(old, replacement);
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        int at;
        int done = 0;
        while (done < count && !old.isEmpty() && (at = s.indexOf(old, from)) >= 0) {
            out.append(s, from, at).append(replacement);
            from = at + old.length();
            done++;
        }
        return out.append(s.substring(from)).toString();
    }

    private static String join(String sep, Iterable<?> items) {
        StringBuilder out = new StringBuilder();
        boolean first = true;
        for (Object o : items) {
            if (!first) {
                out.append(sep);
            }
            out.append(o);
            first = false;
        }
        return out.toString();
    }

    private static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            previousCased = Character.isLetter(c);
        }
        return out.toString();
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
