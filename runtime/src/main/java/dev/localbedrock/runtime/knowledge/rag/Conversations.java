package dev.localbedrock.runtime.knowledge.rag;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * RetrieveAndGenerate's sessions, in memory: a session id's last {@value #KEPT_TURNS} questions and answers, shown
 * to the model before the next question so a follow-up can refer back. A session idle for {@link #IDLE} is
 * forgotten (and a later call with its id starts afresh, as a new session would); a server restart forgets them all.
 */
public final class Conversations {
    static final int KEPT_TURNS = 4;
    static final Duration IDLE = Duration.ofHours(1);
    /** Bounds memory: past this many sessions the idle ones are dropped first, then the oldest. */
    static final int MAX_SESSIONS = 10_000;

    /** One question and the answer it got. */
    public record Turn(String question, String answer) {
    }

    private static final class Session {
        final Deque<Turn> turns = new ArrayDeque<>();
        Instant lastUsed;
    }

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Clock clock;

    public Conversations(Clock clock) {
        this.clock = clock;
    }

    /** A new session id, as Bedrock's: a UUID. */
    public static String newSessionId() {
        return UUID.randomUUID().toString();
    }

    /** The session's earlier turns, oldest first (empty for an unknown or expired session). */
    public List<Turn> history(String sessionId) {
        Session s = sessions.get(sessionId);
        if (s == null) {
            return List.of();
        }
        synchronized (s) {
            if (s.lastUsed.plus(IDLE).isBefore(clock.instant())) {
                sessions.remove(sessionId, s);
                return List.of();
            }
            return List.copyOf(s.turns);
        }
    }

    public void record(String sessionId, Turn turn) {
        if (sessions.size() >= MAX_SESSIONS && !sessions.containsKey(sessionId)) {
            evict();
        }
        Session s = sessions.computeIfAbsent(sessionId, k -> new Session());
        synchronized (s) {
            s.turns.addLast(turn);
            while (s.turns.size() > KEPT_TURNS) {
                s.turns.removeFirst();
            }
            s.lastUsed = clock.instant();
        }
    }

    private void evict() {
        Instant now = clock.instant();
        sessions.entrySet().removeIf(e -> {
            Instant used = e.getValue().lastUsed;
            return used == null || used.plus(IDLE).isBefore(now);
        });
        if (sessions.size() >= MAX_SESSIONS) {
            sessions.entrySet().stream().min((a, b) -> a.getValue().lastUsed.compareTo(b.getValue().lastUsed))
                    .ifPresent(e -> sessions.remove(e.getKey()));
        }
    }
}
