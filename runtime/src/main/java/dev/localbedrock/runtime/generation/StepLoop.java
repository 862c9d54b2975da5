package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.codecs.inference.OutputConstraint;
import dev.localbedrock.codecs.inference.TokenLikelihood;
import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.tokenizer.IncrementalDecoder;
import dev.localbedrock.runtime.grammar.JsonConstraints;
import dev.localbedrock.runtime.sampling.BatchSampler;
import dev.localbedrock.runtime.sampling.LogProbs;
import dev.localbedrock.runtime.sampling.Sampler;
import dev.localbedrock.runtime.sampling.TokenClasses;
import dev.localbedrock.runtime.sampling.TokenConstraint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Iteration-level continuous batching for one model. Each {@link #step()}:
 * <ol>
 *   <li>retires what must leave (cancelled by a disconnect, past its deadline, queued too long), freeing its KV;</li>
 *   <li>plans the batch from token counts ({@link BatchPlanner}, with the {@link CapacityReservations} read once
 *       against each class's {@link CapacityUsage}) and admits the waiting requests it chose;</li>
 *   <li>runs every row — one decode token per running sequence plus prompt chunks — in one forward call;</li>
 *   <li>samples every row whose prompt is complete ({@link BatchSampler}), forking N-generation requests;</li>
 *   <li>emits each token to its listener ({@link OutputProcessor}), frees finished sequences, reports metrics.</li>
 * </ol>
 * Everything here runs on the one thread that drives the model; other threads only submit to the
 * {@link WaitingQueue} and set cancellation flags, which take effect at the next step.
 */
final class StepLoop {
    private static final Logger log = LoggerFactory.getLogger(StepLoop.class);

    private final DecoderModel model;
    private final WorkerSettings settings;
    private final WaitingQueue waiting;
    private final AdmissionPolicy policy;
    private final SchedulerMetrics metrics;
    private final LongSupplier clock;
    private final BatchPlanner planner;
    private final ModelRunner runner;
    private final KvLedger ledger;
    private final CapacityReservations reservations;
    /** Cached prompt prefixes; null when prefix caching is off. */
    private final PrefixCache cache;
    private final CapacityUsage usage = new CapacityUsage();
    private final OutputProcessor output;
    private final BatchSampler batchSampler = new BatchSampler();
    private final SampleRows samples = new SampleRows();
    private final List<RunningRequest> running = new ArrayList<>();
    private int runningSequences;
    private long steps;
    private TokenClasses tokenClasses;

    StepLoop(DecoderModel model, WorkerSettings settings, WaitingQueue waiting, WorkerHooks hooks,
             CapacityReservations reservations, LongSupplier clock) {
        this.model = model;
        this.settings = settings;
        this.waiting = waiting;
        this.policy = hooks.admission();
        this.metrics = hooks.metrics();
        this.clock = clock;
        this.reservations = reservations;
        this.planner = new BatchPlanner(settings.maxRunningSequences(), settings.maxTokensPerStep(),
                settings.reservedStepTokens());
        PrefixCacheSettings pc = settings.prefixCache();
        this.cache = pc.enabled() ? new PrefixCache(pc.blockTokens(),
                (long) Math.floor(pc.maxShare() * settings.kvCacheTokens())) : null;
        this.runner = new ModelRunner(model, cache);
        this.ledger = new KvLedger(settings.kvCacheTokens(), model, cache);
        this.output = new OutputProcessor(model.info().vocabSize(), model.info().eosTokenIds(), model.tokenizer(),
                metrics);
    }

    /** One iteration; false when there was nothing to do (the caller may then wait for work). */
    boolean step() {
        long start = clock.getAsLong();
        int retired = retire(start);
        allocatePending();
        StepPlan plan = planner.plan(running, runningSequences, waiting.snapshot(), ledger.free(), ledger.capacity(),
                policy, ReservedShares.of(reservations, usage));
        admit(plan, start);
        if (plan.isEmpty()) {
            if (retired > 0) {
                report(plan, retired, start);
            }
            return retired > 0;
        }
        float[][] logits;
        try {
            logits = runner.forward(plan);
        } catch (RuntimeException e) {
            log.error("forward pass failed; failing the {} request(s) in the batch", requestsOf(plan).size(), e);
            for (RunningRequest r : requestsOf(plan)) {
                abort(r, new InferenceFailure(InferenceFailure.Kind.ENGINE_FAILED,
                        "The model failed to generate: " + e.getMessage()));
            }
            report(plan, retired, start);
            return true;
        }
        cachePrefixes(plan);
        collectSamples(plan, logits);
        sampleAndEmit(clock.getAsLong());
        report(plan, retired, start);
        return true;
    }

    /** KV tokens admitted requests hold now; any thread. */
    long kvReservedTokens() {
        return ledger.reserved();
    }

    /** What admitted requests hold by capacity class; scheduler thread only (tests check it returns to empty). */
    CapacityUsage usage() {
        return usage;
    }

    boolean hasWork() {
        return !running.isEmpty() || !waiting.isEmpty();
    }

    /** Ends every running and waiting request with {@code error} and frees their KV (shutdown, fatal error). */
    void abortAll(InferenceFailure error) {
        for (RunningRequest r : new ArrayList<>(running)) {
            abort(r, error);
        }
        for (GenerationJob job : waiting.drain()) {
            job.listener().onError(error);
        }
        clearPrefixCache();
    }

    /** Closes every cached prefix, returning its KV to the engine. */
    void clearPrefixCache() {
        if (cache != null) {
            cache.clear();
        }
    }

    /** Cached prefixes held now; scheduler thread only. */
    int cachedPrefixes() {
        return cache == null ? 0 : cache.size();
    }

    /** Drops cancelled and expired work; returns how many running sequences left. */
    private int retire(long now) {
        int retired = 0;
        for (int i = running.size() - 1; i >= 0; i--) {
            RunningRequest r = running.get(i);
            if (r.job.isCancelled()) {
                retired += abort(r, null);
            } else if (r.job.pastDeadline(now)) {
                retired += abort(r, timeout());
            }
        }
        for (GenerationJob job : waiting.snapshot()) {
            if (job.isCancelled()) {
                waiting.remove(job);
            } else if (job.pastDeadline(now)) {
                if (waiting.remove(job)) {
                    job.listener().onError(timeout());
                }
            } else if (now - job.arrivalNanos() > waiting.maxWaitNanos() && waiting.remove(job)) {
                metrics.onThrottled();
                job.listener().onError(WaitingQueue.throttled("(waited longer than "
                        + settings.maxQueueWait().toMillis() + " ms for a free slot)"));
            }
        }
        return retired;
    }

    private InferenceFailure timeout() {
        return new InferenceFailure(InferenceFailure.Kind.TIMED_OUT, "Model has timed out in processing the request "
                + "(limit " + settings.requestTimeout().toMillis() / 1000.0 + " s).");
    }

    /** Retries KV for sequences whose allocation found the engine full. */
    private void allocatePending() {
        for (RunningRequest r : running) {
            for (Sequence s : r.sequences) {
                if (s != null && !s.finished && s.kv == null) {
                    runner.allocate(s, r.job.kvTokensPerSequence());
                }
            }
        }
    }

    /** Starts the jobs the planner chose, in order, until one finds the engine's KV pool full. */
    private void admit(StepPlan plan, long now) {
        for (int i = 0; i < plan.admitted.size(); i++) {
            GenerationJob job = plan.admitted.get(i);
            RunningRequest r = new RunningRequest(job);
            Sequence first = newSequence(r, 0, new Sampler(job.request().sampling(), job.seed(), classesFor(job),
                    job.promptIds(), constraintFor(job)));
            if (!startPrompt(job, first)) {
                return; // it stays queued; so do the ones behind it
            }
            r.sequences[0] = first;
            waiting.admitted(job, now);
            ledger.reserve(job.kvReservation());
            r.reservedKv = job.kvReservation();
            usage.add(job.capacityTag(), r.sequences.length, r.reservedKv);
            running.add(r);
            runningSequences += r.sequences.length;
            if (!r.siblingsCreated && !runner.canFork()) {
                createSiblings(r, null);
            }
            if (r.wantsPromptLikelihoods()) {
                int firstId = job.promptIds()[0];
                r.addPromptLikelihood(new TokenLikelihood(firstId, output.tokenText(firstId), Float.NaN));
            }
            job.listener().onStart(job.promptTokens());
            plan.addPrefill(first, Math.min(plan.admittedTokens(i),
                    Math.min(first.remainingPrompt(), first.maxPromptChunk())));
        }
    }

    /**
     * Gives the first sequence of {@code job} its KV: a copy of the longest cached prefix of its prompt when there
     * is one (it then prefills only the rest), else fresh state. With the cache on, the prompt is aligned: fed one
     * block per chunk up to its cacheable end, where {@link #cachePrefixes} offers it to the cache. A request that
     * wants every prompt position's likelihood feeds one token per step and takes no part.
     */
    private boolean startPrompt(GenerationJob job, Sequence first) {
        if (cache == null || job.request().returnLikelihoods().includesPrompt()) {
            return runner.allocate(first, job.kvTokensPerSequence());
        }
        int cacheable = cache.cacheableTokens(job.promptTokens());
        PrefixCache.Hit hit = cacheable == 0 ? null : cache.lookup(job.promptIds());
        if (hit == null || !runner.forkPrefix(hit, first, job.kvTokensPerSequence())) {
            if (!runner.allocate(first, job.kvTokensPerSequence())) {
                return false;
            }
        }
        first.alignBlock = cache.blockTokens();
        first.alignUntil = cacheable;
        metrics.onPrefixCacheLookup(cacheable, first.computed);
        return true;
    }

    /** Offers each prompt that has just reached its cacheable end to the cache, unless it already holds it. */
    private void cachePrefixes(StepPlan plan) {
        if (cache == null) {
            return;
        }
        for (int row = plan.decodeRows; row < plan.rows.size(); row++) {
            Sequence s = plan.rows.get(row);
            if (s.alignUntil > 0 && s.computed == s.alignUntil && !s.prefixOffered) {
                s.prefixOffered = true;
                if (!cache.holds(s.request.job.promptIds(), s.computed)) {
                    runner.cachePrefix(s);
                }
            }
        }
    }

    private Sequence newSequence(RunningRequest r, int index, Sampler sampler) {
        return new Sequence(r, index, sampler, new IncrementalDecoder(model.tokenizer(), r.job.promptIds()),
                new StopSequenceMatcher(r.job.request().stopSequences()));
    }

    /** The output constraint's state for a constrained request (its schema was compiled at intake), else null. */
    private TokenConstraint constraintFor(GenerationJob job) {
        OutputConstraint c = job.request().constraint();
        if (c == null) {
            return null;
        }
        return JsonConstraints.forSchema(model.tokenizer(), model.info().vocabSize(), model.info().eosTokenIds(),
                c.schema()).newState(job.maxNewTokens());
    }

    /** Token classes for the penalties' flags, computed once per model the first time a request needs them. */
    private TokenClasses classesFor(GenerationJob job) {
        if (!job.request().sampling().penalties().isActive()) {
            return TokenClasses.NONE;
        }
        if (tokenClasses == null) {
            Set<Integer> special = new HashSet<>(model.info().eosTokenIds());
            special.add(model.info().bosTokenId());
            tokenClasses = TokenClasses.of(model.tokenizer(), model.info().vocabSize(), special);
        }
        return tokenClasses;
    }

    /**
     * Creates generations 1..N-1 of {@code r}. With {@code promptLogits} (sequence 0 has just finished its prompt)
     * each is forked from sequence 0's cache and samples its first token from a copy of those logits this step;
     * where the engine cannot fork, or without logits, each gets its own KV and prefills the prompt itself.
     * Generation j samples with seed {@code seed + j}.
     */
    private void createSiblings(RunningRequest r, float[] promptLogits) {
        Sequence first = r.sequences[0];
        for (int j = 1; j < r.sequences.length; j++) {
            Sequence s = newSequence(r, j, first.sampler.fork(r.job.seed() + j));
            r.sequences[j] = s;
            if (promptLogits != null && runner.fork(first, s, r.job.kvTokensPerSequence())) {
                samples.add(s, promptLogits.clone());
            } else {
                runner.allocate(s, r.job.kvTokensPerSequence()); // when full, allocatePending retries
            }
        }
        r.siblingsCreated = true;
    }

    /** Picks the rows that sample this step: decodes, and prompts that just completed. */
    private void collectSamples(StepPlan plan, float[][] logits) {
        for (int row = 0; row < plan.rows.size(); row++) {
            Sequence s = plan.rows.get(row);
            boolean decode = row < plan.decodeRows;
            if (!decode && s.computed < s.promptLength()) {
                if (s.index == 0 && s.request.wantsPromptLikelihoods()) {
                    int next = s.request.job.promptIds()[s.computed];
                    s.request.addPromptLikelihood(new TokenLikelihood(next, output.tokenText(next),
                            LogProbs.logProb(logits[row], next)));
                }
                continue;
            }
            if (!decode && !s.request.siblingsCreated) {
                createSiblings(s.request, logits[row]);
            }
            samples.add(s, logits[row]);
        }
    }

    private void sampleAndEmit(long now) {
        int n = samples.size;
        batchSampler.sample(samples.samplers, samples.logits, n, samples.tokens);
        for (int i = 0; i < n; i++) {
            Sequence s = samples.sequences[i];
            if (s.finished) {
                continue; // its request was aborted earlier in this loop
            }
            int token = samples.tokens[i];
            float logProb = s.wantsLikelihoods() ? (float) (samples.raw[i][token] - samples.logNorm[i]) : Float.NaN;
            try {
                if (output.accept(s, token, logProb, now)) {
                    finish(s);
                }
            } catch (RuntimeException e) {
                log.error("emitting a token failed; failing the request", e);
                abort(s.request, new InferenceFailure(InferenceFailure.Kind.ENGINE_FAILED,
                        "The model failed to generate: " + e.getMessage()));
            }
        }
        samples.clear();
    }

    /** Frees a finished sequence; completes its request when it was the last. */
    private void finish(Sequence s) {
        RunningRequest r = s.request;
        runner.release(s);
        ledger.release(r.job.kvTokensPerSequence());
        r.reservedKv -= r.job.kvTokensPerSequence();
        usage.remove(r.job.capacityTag(), 1, r.job.kvTokensPerSequence());
        runningSequences--;
        if (--r.unfinished == 0) {
            running.remove(r);
            output.complete(r);
        }
    }

    /** Removes {@code r} at once, freeing all its KV; tells its listener {@code error} unless null. */
    private int abort(RunningRequest r, InferenceFailure error) {
        int live = 0;
        for (Sequence s : r.sequences) {
            if (s != null) {
                live += s.finished ? 0 : 1;
                s.finished = true;
                runner.release(s);
            }
        }
        ledger.release(r.reservedKv);
        usage.remove(r.job.capacityTag(), r.unfinished, r.reservedKv);
        r.reservedKv = 0;
        runningSequences -= r.unfinished;
        r.unfinished = 0;
        running.remove(r);
        if (error != null) {
            r.job.listener().onError(error);
        }
        return live;
    }

    private static Set<RunningRequest> requestsOf(StepPlan plan) {
        Set<RunningRequest> requests = new LinkedHashSet<>();
        plan.rows.forEach(s -> requests.add(s.request));
        return requests;
    }

    private void report(StepPlan plan, int retired, long start) {
        metrics.onStep(new StepStats(steps++, plan.rows.size(), plan.decodeRows, plan.prefillRows,
                plan.scheduledTokens, waiting.size(), runningSequences, ledger.reserved(), ledger.free(), retired,
                clock.getAsLong() - start));
    }
}
