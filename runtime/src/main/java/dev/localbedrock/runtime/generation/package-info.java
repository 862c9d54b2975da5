/**
 * Text generation with continuous batching: {@code ModelWorker} takes requests in ({@code RequestIntake}: tokenize,
 * size checks, admission into the {@code WaitingQueue}), and its {@code StepLoop} plans each step
 * ({@code BatchPlanner}, {@code KvLedger}), runs the engine forward pass, samples and reports tokens to each request's
 * {@code GenerationListener}.
 *
 * <p>May depend on {@code sampling}, {@code engines} and the neutral request and result types of {@code codecs};
 * never on {@code http}, so it can run without a server (the {@code generate} command, the tests).
 *
 * <p>Threads: {@code submit} runs on a decode thread and blocks at most for the waiting queue's brief admission; one
 * {@code model-<id>} scheduler thread per loaded model owns every running sequence and blocks on the engine's forward
 * call. Listeners are called on that thread and must hand any I/O elsewhere.
 */
package dev.localbedrock.runtime.generation;
