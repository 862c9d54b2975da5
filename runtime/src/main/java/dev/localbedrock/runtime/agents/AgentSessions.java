package dev.localbedrock.runtime.agents;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The conversations InvokeAgent keeps, one per (agent, alias, session id): the turns so far, the session
 * attributes, and a turn waiting for the caller's results after it returned control. A session idle for longer than
 * its agent's {@code idleSessionTTLInSeconds} is forgotten (checked on every use, so nothing expired is ever seen,
 * and swept then so forgotten sessions hold no memory); {@code endSession} forgets it after its turn. Held in memory
 * only: a restart ends every session, as the TTL would.
 */
public final class AgentSessions {
    /** The most recent turns a prompt shows; older ones stay out so the prompt fits the model's context. */
    static final int TURNS_KEPT = 4;

    private record Key(String agentId, String aliasId, String sessionId) {
    }

    /** One question and the agent's answer. */
    public record Turn(String inputText, String answer) {
    }

    /**
     * A session's state, guarded by its own monitor, which is only ever held for a moment. A turn holds
     * {@link #turnLock()} instead, for as long as it runs (one turn of a session at a time): the request threads
     * open sessions, and every {@link AgentSessions#open} checks each session's expiry, so a turn holding the
     * session's monitor through its model steps held up every other InvokeAgent request, and every other request on
     * those threads, until it ended.
     */
    public static final class Session {
        private final Object turnLock = new Object();
        private final Map<String, String> attributes = new LinkedHashMap<>();
        private final List<Turn> turns = new ArrayList<>();
        private final Duration ttl;
        private Instant lastUsed;
        private ReturnedControl returned;

        private Session(Duration ttl, Instant now) {
            this.ttl = ttl;
            this.lastUsed = now;
        }

        /** The session attributes: set by the caller's sessionState or a function's response, kept all session. */
        public synchronized Map<String, String> attributes() {
            return new LinkedHashMap<>(attributes);
        }

        public synchronized void putAttributes(Map<String, String> more) {
            attributes.putAll(more);
        }

        public synchronized void replaceAttributes(Map<String, String> all) {
            attributes.clear();
            attributes.putAll(all);
        }

        public synchronized List<Turn> recentTurns() {
            return List.copyOf(turns.subList(Math.max(0, turns.size() - TURNS_KEPT), turns.size()));
        }

        public synchronized void addTurn(Turn turn) {
            turns.add(turn);
            if (turns.size() > TURNS_KEPT) {
                turns.remove(0);
            }
        }

        /** The id of the invocation whose results the session waits for, or null. */
        public synchronized String waitingInvocationId() {
            return returned == null ? null : returned.invocationId();
        }

        synchronized void returnControl(ReturnedControl r) {
            returned = r;
        }

        /** The turn waiting for its caller, now no longer waiting; null when none was. */
        synchronized ReturnedControl takeReturnedControl() {
            ReturnedControl r = returned;
            returned = null;
            return r;
        }

        /** Held by a turn while it runs; never the session's own monitor (see the class comment). */
        Object turnLock() {
            return turnLock;
        }

        private synchronized boolean expired(Instant now) {
            return lastUsed.plus(ttl).isBefore(now);
        }

        private synchronized void touch(Instant now) {
            lastUsed = now;
        }
    }

    private final Map<Key, Session> sessions = new ConcurrentHashMap<>();
    private final Clock clock;

    public AgentSessions(Clock clock) {
        this.clock = clock;
    }

    /** The live session, or a new one when it never existed or idled past {@code ttlSeconds}. */
    public Session open(String agentId, String aliasId, String sessionId, int ttlSeconds) {
        Instant now = clock.instant();
        sessions.values().removeIf(s -> s.expired(now));
        Session s = sessions.compute(new Key(agentId, aliasId, sessionId), (k, old) ->
                old == null || old.expired(now) ? new Session(Duration.ofSeconds(ttlSeconds), now) : old);
        s.touch(now);
        return s;
    }

    /** Forgets a session ({@code endSession}). */
    public void end(String agentId, String aliasId, String sessionId) {
        sessions.remove(new Key(agentId, aliasId, sessionId));
    }

    /** Whether a session is live (tests, and the operator's view). */
    public boolean live(String agentId, String aliasId, String sessionId) {
        Session s = sessions.get(new Key(agentId, aliasId, sessionId));
        return s != null && !s.expired(clock.instant());
    }
}
