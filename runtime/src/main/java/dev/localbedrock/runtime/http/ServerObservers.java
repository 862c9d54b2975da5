package dev.localbedrock.runtime.http;

import dev.localbedrock.runtime.observe.CallListener;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * What the server reports to, and exposes, about its calls: the listeners every completed call goes to (metrics,
 * audit trail, invocation logging) and the Prometheus text exposition {@code GET /metrics} answers with.
 *
 * @param calls   receives one {@link dev.localbedrock.runtime.observe.CompletedCall} per call
 * @param metrics the current exposition (Prometheus text format 0.0.4), or null: {@code /metrics} is then a
 *                ResourceNotFoundException
 */
public record ServerObservers(CallListener calls, Supplier<String> metrics) {
    /** Prometheus' text exposition format, as scrapers ask for it. */
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    /** Nobody listens; no metrics endpoint. */
    public static final ServerObservers NONE = new ServerObservers(call -> { }, null);

    public ServerObservers {
        Objects.requireNonNull(calls, "calls");
    }
}
