// The live metrics view: the server's own Prometheus scrape (GET /metrics), read every two seconds, turned into
// per-model rates between two scrapes — the numbers PromQL's rate() would give over that window.
"use strict";

const LiveMetrics = (() => {
  const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/;
  const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

  /** The text exposition's samples as {name, labels, value}; comments and malformed lines are skipped. */
  function parse(text) {
    const samples = [];
    for (const line of text.split("\n")) {
      if (line.startsWith("#")) {
        continue;
      }
      const m = LINE.exec(line);
      if (!m) {
        continue;
      }
      const labels = {};
      if (m[3]) {
        for (const l of m[3].matchAll(LABEL)) {
          labels[l[1]] = l[2].replace(/\\"/g, "\"").replace(/\\\\/g, "\\");
        }
      }
      samples.push({ name: m[1], labels, value: Number(m[4]) });
    }
    return samples;
  }

  /** Sums each series of {@code name} by its model_id (histogram buckets excluded by name). */
  function byModel(samples, name, filter) {
    const out = {};
    for (const s of samples) {
      if (s.name === name && (!filter || filter(s.labels))) {
        const model = s.labels.model_id || "";
        out[model] = (out[model] || 0) + s.value;
      }
    }
    return out;
  }

  /** One scrape's totals per model. */
  function snapshot(samples, time) {
    return {
      time,
      invocations: byModel(samples, "bedrock_invocations_total"),
      generated: byModel(samples, "bedrock_scheduler_generated_tokens_total"),
      queue: byModel(samples, "bedrock_scheduler_queue_length"),
      running: byModel(samples, "bedrock_scheduler_running_sequences"),
      kvUsed: byModel(samples, "bedrock_scheduler_kv_cache_tokens", (l) => l.state === "used"),
      kvFree: byModel(samples, "bedrock_scheduler_kv_cache_tokens", (l) => l.state === "free"),
      batchSum: byModel(samples, "bedrock_scheduler_batch_size_sum"),
      batchCount: byModel(samples, "bedrock_scheduler_batch_size_count"),
      ttftSum: byModel(samples, "bedrock_scheduler_time_to_first_token_seconds_sum"),
      ttftCount: byModel(samples, "bedrock_scheduler_time_to_first_token_seconds_count"),
      itlSum: byModel(samples, "bedrock_scheduler_inter_token_latency_seconds_sum"),
      itlCount: byModel(samples, "bedrock_scheduler_inter_token_latency_seconds_count"),
    };
  }

  const delta = (a, b, key, model) => (b[key][model] || 0) - (a[key][model] || 0);
  const meanOver = (a, b, sum, count, model) => {
    const n = delta(a, b, count, model);
    return n > 0 ? delta(a, b, sum, model) / n : null;
  };

  /** Per-model rows between two snapshots (the window's rates and means, the gauges as of the later one). */
  function rows(a, b) {
    const seconds = (b.time - a.time) / 1000;
    const models = new Set([...Object.keys(b.running), ...Object.keys(b.invocations)].filter((m) => m));
    return [...models].sort().map((model) => {
      const ttft = meanOver(a, b, "ttftSum", "ttftCount", model);
      const itl = meanOver(a, b, "itlSum", "itlCount", model);
      const used = b.kvUsed[model] || 0;
      const total = used + (b.kvFree[model] || 0);
      return {
        model,
        invocations: b.invocations[model] || 0,
        tokensPerSecond: seconds > 0 ? delta(a, b, "generated", model) / seconds : 0,
        queue: b.queue[model] || 0,
        running: b.running[model] || 0,
        batch: meanOver(a, b, "batchSum", "batchCount", model),
        ttftMs: ttft == null ? null : ttft * 1000,
        itlMs: itl == null ? null : itl * 1000,
        kvPercent: total > 0 ? (100 * used) / total : 0,
      };
    });
  }

  return { parse, snapshot, rows };
})();
