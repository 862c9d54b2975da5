package dev.localbedrock.engines.onnxruntime;

import ai.onnxruntime.OrtSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Closing sessions without letting one failure keep the others open. */
final class OrtSessions {
    private static final Logger log = LoggerFactory.getLogger(OrtSessions.class);

    private OrtSessions() {
    }

    static void close(OrtSession session, String what) {
        if (session == null) {
            return;
        }
        try {
            session.close();
        } catch (Exception e) {
            log.warn("closing ONNX Runtime session of {}: {}", what, e.getMessage());
        }
    }
}
