package dev.localbedrock.runtime.robustness;

import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.onnxruntime.OrtDecoderModel;
import dev.localbedrock.engines.pytorch.PtDecoderModel;
import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.ServedModel;
import dev.localbedrock.runtime.TestServers;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import dev.localbedrock.runtime.generation.AdmissionPolicy;
import dev.localbedrock.runtime.generation.InMemorySchedulerMetrics;
import dev.localbedrock.runtime.generation.ModelWorker;
import dev.localbedrock.runtime.generation.WorkerHooks;

import java.io.IOException;
import java.nio.file.Path;

/** The servers the robustness tests load, and what they count of the resources a request holds. */
final class RobustnessServers {
    static final String LLAMA_ID = TestServers.LLAMA_ID;
    static final String TITAN_ID = TestServers.TITAN_EMBED_ID;
    static final String INVOKE = "/model/" + LLAMA_ID + "/invoke";
    static final String STREAM = "/model/" + LLAMA_ID + "/invoke-with-response-stream";
    static final String EMBED = "/model/" + TITAN_ID + "/invoke";
    static final String EMBED_STREAM = "/model/" + TITAN_ID + "/invoke-with-response-stream";

    /**
     * Entry lines turning the on-demand quota off: these tests send far more than Bedrock's per-minute defaults on
     * purpose, and test the server's own limits, not the quota.
     */
    static final String UNMETERED = "requests_per_minute: 0\ntokens_per_minute: 0\n";

    private RobustnessServers() {
    }

    /**
     * A models.yaml serving tiny-random-llama as the Llama 2 family on {@code engine}, with {@code serverYaml} lines
     * added to the server section, {@code llamaYaml} lines to its entry and, when {@code titan}, the built-in MiniLM
     * as Titan Embeddings.
     */
    static Path catalogue(Path dir, String engine, String serverYaml, String llamaYaml, boolean titan)
            throws IOException {
        return TestServers.writeTinyLlamaCatalogue(dir, engine, serverYaml, llamaYaml + "\n" + UNMETERED,
                titan ? TestServers.miniLmAsTitan(UNMETERED) : "");
    }

    static BedrockService start(Path dir, String engine, String llamaYaml, boolean titan)
            throws IOException, InterruptedException {
        return start(dir, engine, "", llamaYaml, titan);
    }

    static BedrockService start(Path dir, String engine, String serverYaml, String llamaYaml, boolean titan)
            throws IOException, InterruptedException {
        return BedrockService.start(CatalogLoader.load(catalogue(dir, engine, serverYaml, llamaYaml, titan)));
    }

    /**
     * Every family of {@link WireFamily}, one id each: the five text families on tiny-random-llama on PyTorch (one
     * loaded model, one worker), each entry with {@code textYaml} lines, and both embedding families on the built-in
     * MiniLM; {@code serverYaml} lines go to the server section.
     */
    static BedrockService startEveryFamily(Path dir, String serverYaml, String textYaml)
            throws IOException, InterruptedException {
        String metered = textYaml + "\n" + UNMETERED;
        Path file = TestServers.writeTinyLlamaCatalogue(dir, "pytorch", serverYaml, metered,
                WireFamily.otherModelsYaml("pytorch", metered));
        return BedrockService.start(CatalogLoader.load(file));
    }

    /**
     * Llama alone on PyTorch, with room to abuse (a 2048-token context, 4 running sequences, 16 queued), admitted
     * first come first served with every scheduler step recorded in {@code metrics}: for the tests that check, after
     * each abuse, that the scheduler holds nothing. {@code serverYaml} sets the limits under test.
     */
    static BedrockService startRecorded(Path dir, String serverYaml, InMemorySchedulerMetrics metrics)
            throws IOException, InterruptedException {
        String llama = """
                max_context_tokens: 2048
                max_running_sequences: 4
                max_queue: 16
                """;
        return BedrockService.start(CatalogLoader.load(catalogue(dir, "pytorch", serverYaml, llama, false)),
                entry -> new WorkerHooks(AdmissionPolicy.FIFO, metrics));
    }

    static ModelWorker llamaWorker(BedrockService service) {
        for (ServedModel s : service.registry().served()) {
            if (s instanceof ServedModel.Text text && text.entry().id().equals(LLAMA_ID)) {
                return text.worker();
            }
        }
        throw new IllegalStateException("no " + LLAMA_ID);
    }

    /**
     * What the Llama model holds now: the scheduler's KV reservations, the engine's live sequences (KV slots) and
     * its live native tensors (PyTorch: arrays in the model's manager tree, weights and KV pool included; ONNX
     * Runtime: step tensors not yet closed).
     */
    record Holdings(long ledgerKvTokens, int queued, int engineSequences, long engineTensors) {
        static Holdings of(ModelWorker worker) {
            DecoderModel model = worker.model();
            int sequences;
            long tensors;
            if (model instanceof PtDecoderModel pt) {
                sequences = pt.liveSequences();
                tensors = pt.liveTensorCount();
            } else if (model instanceof OrtDecoderModel ort) {
                sequences = ort.liveSequences();
                tensors = ort.liveTensorCount();
            } else {
                throw new IllegalStateException("unexpected engine " + model);
            }
            return new Holdings(worker.kvReservedTokens(), worker.queueLength(), sequences, tensors);
        }
    }

    /** Waits (up to 30 s: a disconnected request leaves at the next step) until nothing is held beyond {@code idle}. */
    static Holdings awaitIdle(ModelWorker worker, long idleTensors) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        Holdings h = Holdings.of(worker);
        while (System.nanoTime() < deadline && !(h.ledgerKvTokens() == 0 && h.queued() == 0
                && h.engineSequences() == 0 && h.engineTensors() == idleTensors)) {
            Thread.sleep(20);
            h = Holdings.of(worker);
        }
        return h;
    }
}
