package dev.localbedrock.runtime.generation;

import java.util.List;

/**
 * Watches streamed text for stop sequences. Text that could still be the start of a stop sequence is held back, so
 * a client never receives part of a stop sequence; when one completes, everything before it is released and the
 * generation ends.
 */
public final class StopSequenceMatcher {
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;
    private String matched;

    public StopSequenceMatcher(List<String> stops) {
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
    }

    /** Adds newly decoded text; returns the text that is now safe to emit. */
    public String push(String text) {
        if (stopped) {
            return "";
        }
        pending.append(text);
        if (stops.isEmpty()) {
            return drain(pending.length());
        }
        int earliest = -1;
        String first = null;
        for (String stop : stops) {
            int at = pending.indexOf(stop);
            if (at >= 0 && (earliest < 0 || at < earliest)) {
                earliest = at;
                first = stop;
            }
        }
        if (earliest >= 0) {
            stopped = true;
            matched = first;
            String out = pending.substring(0, earliest);
            pending.setLength(0);
            return out;
        }
        return drain(pending.length() - longestPartialStop());
    }

    /** True once a stop sequence has been seen. */
    public boolean stopped() {
        return stopped;
    }

    /**
     * The stop sequence that ended the text, or null while none has. When several complete in the same text, the
     * one that starts earliest; of those starting at the same place, the first in the request's list.
     */
    public String matched() {
        return matched;
    }

    /** Releases held-back text at the end of a generation that did not stop on a sequence. */
    public String flush() {
        return stopped ? "" : drain(pending.length());
    }

    /** Length of the longest suffix of the pending text that is a proper prefix of some stop sequence. */
    private int longestPartialStop() {
        int best = 0;
        for (String stop : stops) {
            int max = Math.min(stop.length() - 1, pending.length());
            for (int len = max; len > best; len--) {
                if (endsWith(pending, stop, len)) {
                    best = len;
                    break;
                }
            }
        }
        return best;
    }

    /** Whether {@code text} ends with the first {@code len} characters of {@code stop}. */
    private static boolean endsWith(StringBuilder text, String stop, int len) {
        int offset = text.length() - len;
        for (int i = 0; i < len; i++) {
            if (text.charAt(offset + i) != stop.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private String drain(int count) {
        String out = pending.substring(0, count);
        pending.delete(0, count);
        return out;
    }
}
