package dev.localbedrock.runtime.observe;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The server's call listeners (metrics, audit trail, invocation logging), registered at start. Delivers each call to
 * every listener, isolating their failures: a listener that throws is logged and the others still get the call.
 */
public final class CallListeners implements CallListener {
    private static final Logger log = LoggerFactory.getLogger(CallListeners.class);
    private final List<CallListener> listeners = new CopyOnWriteArrayList<>();

    public CallListeners add(CallListener listener) {
        listeners.add(listener);
        return this;
    }

    @Override
    public void completed(CompletedCall call) {
        for (CallListener l : listeners) {
            try {
                l.completed(call);
            } catch (RuntimeException e) {
                log.warn("call listener {} failed on request {}", l.getClass().getSimpleName(), call.requestId(), e);
            }
        }
    }

    @Override
    public boolean wantsBodies() {
        for (CallListener l : listeners) {
            if (l.wantsBodies()) {
                return true;
            }
        }
        return false;
    }
}
