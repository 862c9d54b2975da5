package dev.localbedrock.benchmarks.load;

/** Something the load runner drives: a server over HTTP, or llama.cpp in-process. */
public interface LoadTarget extends AutoCloseable {

    /** Short name for tables ({@code server}, {@code llama.cpp}). */
    String name();

    /** Prepares for {@code concurrency} simultaneous requests (llama.cpp reloads with that many slots). */
    default void prepare(int concurrency, Workload workload) throws Exception {
    }

    /**
     * Runs one request and fills the sample: tokens as they arrive, the end time, or the error. Must not throw for
     * request failures; record them in the sample.
     */
    void run(Workload workload, RequestSample sample);

    /** Facts about the target worth recording with the results (engine, threads, …). */
    default java.util.Map<String, Object> describe() {
        return java.util.Map.of();
    }

    @Override
    default void close() throws Exception {
    }
}
