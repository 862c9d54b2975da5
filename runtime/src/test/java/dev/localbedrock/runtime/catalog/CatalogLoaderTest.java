package dev.localbedrock.runtime.catalog;

import dev.localbedrock.runtime.generation.PrefixCacheSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CatalogLoaderTest {
    @TempDir
    Path dir;

    private Catalog load(String yaml) throws IOException {
        Path file = dir.resolve("models.yaml");
        Files.writeString(file, yaml);
        return CatalogLoader.load(file);
    }

    @Test
    void theRepositoryDefaultCatalogueParses() {
        Catalog catalog = CatalogLoader.load(Path.of("..", "models.yaml"));
        assertTrue(catalog.models().size() >= 1);
        ModelEntry first = catalog.models().get(0);
        assertEquals("meta.llama2-13b-chat-v1", first.id());
        assertInstanceOf(ModelEntry.Generated.class, first.source());
        assertTrue(first.name().contains("not a language model"));

        ModelEntry titan = catalog.models().stream().filter(m -> m.id().equals("amazon.titan-embed-text-v1"))
                .findFirst().orElseThrow();
        assertEquals("amazon-titan-embed", titan.family());
        assertEquals(new ModelEntry.Builtin("all-MiniLM-L6-v2"), titan.source());
        assertEquals("onnxruntime", titan.engine());
        assertEquals("cpu", titan.device());
        assertTrue(titan.name().contains("384") && titan.name().contains("1536"), titan.name());

        // A fresh start answers every family, under every id of Bedrock's model list.
        java.util.Set<String> families = new java.util.TreeSet<>();
        java.util.Set<String> ids = new java.util.TreeSet<>();
        for (ModelEntry e : catalog.models()) {
            families.add(e.family());
            ids.add(e.id());
            ids.addAll(e.aliases());
        }
        java.util.Set<String> every = new java.util.TreeSet<>(dev.localbedrock.codecs.TextFamilies.names());
        every.addAll(dev.localbedrock.codecs.EmbeddingFamilies.names());
        every.addAll(dev.localbedrock.codecs.ImageFamilies.names());
        assertEquals(every, families);
        for (String id : List.of("ai21.j2-mid-v1", "ai21.j2-ultra-v1", "amazon.titan-text-lite-v1",
                "amazon.titan-embed-text-v1", "amazon.titan-text-express-v1", "amazon.titan-text-agile-v1",
                "anthropic.claude-v1", "anthropic.claude-v2", "anthropic.claude-instant-v1", "cohere.command-text-v14",
                "cohere.command-light-text-v14", "cohere.embed-english-v3", "cohere.embed-multilingual-v3",
                "meta.llama2-13b-chat-v1", "stability.stable-diffusion-xl-v0", "stability.stable-diffusion-xl-v1")) {
            assertTrue(ids.contains(id), id + " is served out of the box");
        }
    }

    @Test
    void embeddingEntriesTakeBuiltinOrOnnxDirectorySourcesAndDefaultToOnnxRuntime() throws IOException {
        Files.createDirectories(dir.resolve("enc/onnx"));
        Files.writeString(dir.resolve("enc/tokenizer.json"), "{}");
        Files.writeString(dir.resolve("enc/onnx/model.onnx"), "");
        Catalog c = load("""
                models:
                  - id: amazon.titan-embed-text-v1
                    family: amazon-titan-embed
                    source: builtin:all-minilm-l6-v2
                    max_queue: 8
                    request_timeout_seconds: 2
                  - id: my.embed-v1
                    family: amazon-titan-embed
                    source: enc
                    device: cuda:1
                """);
        ModelEntry builtin = c.models().get(0);
        assertEquals(new ModelEntry.Builtin("all-MiniLM-L6-v2"), builtin.source(), "the name is canonicalised");
        assertEquals("builtin:all-MiniLM-L6-v2", builtin.source().key());
        assertEquals("onnxruntime", builtin.engine());
        assertEquals(8, builtin.maxQueue());
        assertEquals(Duration.ofSeconds(2), builtin.requestTimeout());
        assertTrue(builtin.name().contains("all-MiniLM-L6-v2"), builtin.name());
        ModelEntry directory = c.models().get(1);
        assertEquals(new ModelEntry.Directory(dir.resolve("enc")), directory.source());
        assertEquals("onnxruntime", directory.engine());
        assertEquals("cuda:1", directory.device());
    }

    @Test
    void familyAndSourceMustSuitEachOther() throws IOException {
        Files.createDirectories(dir.resolve("m"));
        Files.createDirectories(dir.resolve("graphless"));
        Files.writeString(dir.resolve("graphless/tokenizer.json"), "{}");
        String titan = "models:\n  - id: amazon.titan-embed-text-v1\n    family: amazon-titan-embed\n";
        assertMessage("models:\n  - id: a.b-v1\n    family: meta-llama2\n    source: builtin:all-MiniLM-L6-v2\n",
                "is a built-in embedding model, but family 'meta-llama2' generates text");
        assertMessage(titan + "    source: generated:smoke-llama\n",
                "is a text generation model, but family 'amazon-titan-embed' embeds");
        assertMessage(titan + "    source: builtin:bert-large\n",
                "unknown built-in source 'builtin:bert-large'; known: builtin:all-MiniLM-L6-v2");
        assertMessage(titan + "    source: m\n", "has no tokenizer.json");
        assertMessage(titan + "    source: graphless\n", "has no ONNX graph");
        assertMessage(titan + "    source: builtin:all-MiniLM-L6-v2\n    engine: pytorch\n",
                "runs on the onnxruntime engine only, not 'pytorch'");
        assertMessage(titan + "    source: builtin:all-MiniLM-L6-v2\n    max_context_tokens: 512\n",
                "'max_context_tokens' applies to text generation models only");
        assertMessage(titan + "    source: builtin:all-MiniLM-L6-v2\n    max_running_sequences: 4\n",
                "'max_running_sequences' applies to text generation models only");
        assertMessage("models:\n  - id: a.b-v1\n    family: acme-text\n    source: m\n",
                "unknown family 'acme-text'; known: text [");
    }

    @Test
    void imageEntriesTakeAnSdxlExportOrTheGeneratedPipelineAndTheirOwnKeys() throws IOException {
        Files.createDirectories(dir.resolve("sdxl/unet"));
        Files.writeString(dir.resolve("sdxl/model_index.json"), "{}");
        Files.writeString(dir.resolve("sdxl/unet/model.onnx"), "");
        Files.createDirectories(dir.resolve("no-unet"));
        Files.writeString(dir.resolve("no-unet/model_index.json"), "{}");
        Catalog c = load("""
                models:
                  - id: stability.stable-diffusion-xl-v1
                    source: sdxl
                    max_rows_per_step: 4
                    max_queue_wait_seconds: 2.5
                  - id: stability.stable-diffusion-xl-v0
                    source: generated:smoke-sdxl
                """);
        ModelEntry real = c.models().get(0);
        assertEquals("stability-sdxl", real.family(), "the id implies the family");
        assertEquals(new ModelEntry.Directory(dir.resolve("sdxl")), real.source());
        assertEquals(4, real.maxRowsPerStep());
        assertEquals(java.time.Duration.ofMillis(2500), real.batching().maxQueueWait());
        assertEquals("onnxruntime", real.engine());
        ModelEntry smoke = c.models().get(1);
        assertInstanceOf(ModelEntry.Generated.class, smoke.source());
        assertEquals(8, smoke.maxRowsPerStep(), "the default");

        String sdxl = "models:\n  - id: stability.stable-diffusion-xl-v1\n";
        assertMessage(sdxl + "    source: no-unet\n", "has no unet/model.onnx, which image family 'stability-sdxl'");
        assertMessage(sdxl + "    source: generated:smoke-llama\n",
                "is a text generation model, but family 'stability-sdxl' generates images");
        assertMessage("models:\n  - id: a.b-v1\n    family: meta-llama2\n    source: generated:smoke-sdxl\n",
                "is an image model, but family 'meta-llama2' generates text");
        assertMessage(sdxl + "    source: sdxl\n    engine: pytorch\n",
                "image family 'stability-sdxl' runs on the onnxruntime engine only");
        assertMessage(sdxl + "    source: sdxl\n    max_tokens_per_step: 64\n",
                "'max_tokens_per_step' applies to text generation models only, not to image family");
        assertMessage(sdxl + "    source: sdxl\n    max_rows_per_step: 0\n", "'max_rows_per_step'");
        assertMessage("models:\n  - id: meta.llama2-13b-chat-v1\n    source: generated:smoke-llama\n"
                + "    max_rows_per_step: 4\n", "'max_rows_per_step' applies to image models only");
        assertMessage(sdxl + "    family: meta-llama2\n    source: sdxl\n", "Bedrock serves it as 'stability-sdxl'");
    }

    @Test
    void familyFollowsTheBedrockModelIdAndMustBeWrittenOnlyOutsideTheCatalogue() throws IOException {
        Files.createDirectories(dir.resolve("m"));
        assertEquals("meta-llama2", load("models:\n  - id: meta.llama2-13b-chat-v1\n    source: m\n")
                .models().get(0).family(), "a catalogue id implies its family");
        assertEquals("amazon-titan-embed", load("models:\n  - id: amazon.titan-embed-text-v1\n"
                + "    source: builtin:all-MiniLM-L6-v2\n").models().get(0).family());
        assertMessage("models:\n  - id: a.b-v1\n    source: m\n", "'family' is required for a model id outside");
        assertMessage("models:\n  - id: meta.llama2-13b-chat-v1\n    family: amazon-titan-embed\n"
                + "    source: builtin:all-MiniLM-L6-v2\n",
                "family 'amazon-titan-embed' does not fit model id 'meta.llama2-13b-chat-v1': Bedrock serves it as "
                        + "'meta-llama2'");
        assertMessage("models:\n  - id: amazon.nova-micro-v1\n    family: meta-llama2\n    source: m\n",
                "family 'meta-llama2' is a meta family, but model id 'amazon.nova-micro-v1' names provider amazon");
        assertEquals("meta-llama2", load("models:\n  - id: acme.private-v1\n    family: meta-llama2\n"
                + "    source: m\n").models().get(0).family(), "an id outside the catalogue takes any family");
    }

    @Test
    void modelUnitDefaultsPerModalityAndRejectsWhatItCannotMean() throws IOException {
        Files.createDirectories(dir.resolve("m"));
        String llama = "models:\n  - id: meta.llama2-13b-chat-v1\n    source: m\n";
        assertEquals(dev.localbedrock.runtime.quota.ModelUnit.DEFAULT_TEXT, load(llama).models().get(0).modelUnit());
        assertEquals(new dev.localbedrock.runtime.quota.ModelUnit(5000, 6000, 2), load(llama
                + "    model_unit: {input_tokens_per_minute: 5000, sequences: 2}\n").models().get(0).modelUnit(),
                "an unnamed figure keeps its default");
        assertMessage(llama + "    model_unit: {output_tokens: 5}\n", "model_unit: unknown key 'output_tokens'");
        assertMessage(llama + "    model_unit: {sequences: 0}\n", "'sequences'");
        assertMessage(llama + "    model_unit: 5\n", "model_unit: expected a mapping");
        String titan = "models:\n  - id: amazon.titan-embed-text-v1\n    source: builtin:all-MiniLM-L6-v2\n";
        assertEquals(new dev.localbedrock.runtime.quota.ModelUnit(1000, 0, 0), load(titan
                + "    model_unit: {input_tokens_per_minute: 1000}\n").models().get(0).modelUnit());
        assertMessage(titan + "    model_unit: {output_tokens_per_minute: 10}\n",
                "unknown key 'output_tokens_per_minute'");
    }

    @Test
    void strictPromptFormatIsAClaudeOption() throws IOException {
        Files.createDirectories(dir.resolve("m"));
        assertFalse(load("models:\n  - id: meta.llama2-13b-chat-v1\n    source: m\n").models().get(0).wire()
                .strictPromptFormat(), "lenient by default");
        assertMessage("models:\n  - id: meta.llama2-13b-chat-v1\n    source: m\n    strict_prompt_format: true\n",
                "'strict_prompt_format' applies to family 'anthropic-claude' only, not 'meta-llama2'");
    }

    @Test
    void relativeSourcesResolveAgainstTheYamlFolderAndDefaultsApply() throws IOException {
        Files.createDirectories(dir.resolve("weights/llama"));
        Catalog c = load("models:\n  - id: meta.llama2-13b-chat-v1\n    source: weights/llama\n");
        ModelEntry e = c.models().get(0);
        assertEquals(new ModelEntry.Directory(dir.resolve("weights/llama").normalize()), e.source());
        assertEquals("onnxruntime", e.engine());
        assertEquals("cpu", e.device());
        assertEquals("meta-llama2", e.family());
        assertEquals(8080, c.server().port());
    }

    @Test
    void mistakesNameTheEntryAndTheKey() throws IOException {
        Files.createDirectories(dir.resolve("m"));
        assertMessage("models:\n  - id: a.b-v1\n    family: meta-llama2\n    source: m\n    engine: tensorflow\n", "engine");
        assertMessage("models:\n  - id: a.b-v1\n    family: meta-llama2\n    source: m\n    device: tpu\n", "device");
        assertMessage("models:\n  - id: a.b-v1\n    family: meta-llama2\n    source: missing\n", "does not exist");
        assertMessage("models:\n  - id: a.b-v1\n    family: meta-llama2\n    source: m\n    colour: red\n", "colour");
        assertMessage("models:\n  - source: m\n", "'id' is required");
        assertMessage("models:\n  - id: a.b-v1\n    family: meta-llama2\n    source: m\n  - id: a.b-v1\n    family: meta-llama2\n    source: m\n", "twice");
        assertMessage("models:\n  - id: a.b-v1\n    family: meta-llama2\n    source: m\n    max_queue: -1\n", "max_queue");
        assertMessage("models: []\n", "non-empty");
        assertMessage("models:\n  - id: a.b-v1\n    family: meta-llama2\n    source: m\n    engine: pytorch\n    quantize: int8\n",
                "onnxruntime only");
        assertMessage("models:\n  - id: a.b-v1\n    family: meta-llama2\n    source: m\n    engine: onnxruntime\n    quantize: int3\n",
                "none or int8 or int4 or int8-dynamic");
    }

    @Test
    void batchingKeysHaveDefaultsThatFollowFromEachOther() throws IOException {
        Files.createDirectories(dir.resolve("m"));
        ModelEntry e = load("models:\n  - id: a.b-v1\n    family: meta-llama2\n    source: m\n    max_context_tokens: 1024\n").models().get(0);
        assertEquals(new ModelEntry.Batching(16, 512, 16 * 1024, Duration.ofSeconds(60), 32), e.batching());
        assertEquals(Duration.ofSeconds(300), e.requestTimeout());
        ModelEntry many = load("models:\n  - id: a.b-v1\n    family: meta-llama2\n    source: m\n    max_running_sequences: 600\n")
                .models().get(0);
        assertEquals(600, many.batching().maxTokensPerStep(), "the step budget grows to fit every decode");
        assertEquals(0, many.maxContextTokens(), "not configured: follows the model");
        ModelEntry resolved = many.withModelContext(512);
        assertEquals(512, resolved.maxContextTokens());
        assertEquals(600L * 512, resolved.batching().kvCacheTokens());
        assertEquals(1024, e.withModelContext(512).maxContextTokens(), "a configured context is kept");
        assertEquals(16L * 1024, e.withModelContext(512).batching().kvCacheTokens());
    }

    @Test
    void aConfiguredKvBudgetMustHoldTheContextTheModelGives() throws IOException {
        Files.createDirectories(dir.resolve("m"));
        ModelEntry e = load("models:\n  - id: a.b-v1\n    family: meta-llama2\n    source: m\n    kv_cache_tokens: 100\n").models().get(0);
        assertEquals(100, e.withModelContext(64).batching().kvCacheTokens());
        CatalogException x = assertThrows(CatalogException.class, () -> e.withModelContext(512));
        assertTrue(x.getMessage().contains("kv_cache_tokens") && x.getMessage().contains("512"), x.getMessage());
    }

    @Test
    void batchingKeysParseAndDurationsTakeFractions() throws IOException {
        Files.createDirectories(dir.resolve("m"));
        ModelEntry e = load("""
                models:
                  - id: a.b-v1
                    family: meta-llama2
                    source: m
                    max_context_tokens: 512
                    max_running_sequences: 4
                    max_tokens_per_step: 64
                    kv_cache_tokens: 1000
                    max_queue: 3
                    max_queue_wait_seconds: 2.5
                    request_timeout_seconds: 0.25
                """).models().get(0);
        assertEquals(new ModelEntry.Batching(4, 64, 1000, Duration.ofMillis(2500), 8), e.batching());
        assertEquals(Duration.ofMillis(250), e.requestTimeout());
        assertEquals(3, e.maxQueue());
    }

    @Test
    void prefixCacheIsOffUnlessConfigured() throws IOException {
        Files.createDirectories(dir.resolve("m"));
        String base = "models:\n  - id: a.b-v1\n    family: meta-llama2\n    source: m\n";
        assertEquals(PrefixCacheSettings.DISABLED, load(base).models().get(0).batching().prefixCache());
        assertEquals(new PrefixCacheSettings(true, 64, 0.25),
                load(base + "    prefix_cache: true\n").models().get(0).batching().prefixCache());
        assertEquals(new PrefixCacheSettings(true, 32, 0.5), load(base
                + "    prefix_cache: {block_tokens: 32, max_share: 0.5}\n").models().get(0).batching().prefixCache());
        assertEquals(new PrefixCacheSettings(false, 64, 0.25), load(base
                + "    prefix_cache: {enabled: false}\n").models().get(0).batching().prefixCache());
        assertMessage(base + "    prefix_cache: {block_tokens: 0}\n", "block_tokens");
        assertMessage(base + "    prefix_cache: {max_share: 1.5}\n", "max_share");
        assertMessage(base + "    prefix_cache: {size: 3}\n", "size");
        assertMessage(base + "    prefix_cache: yes please\n", "prefix_cache");
    }

    @Test
    void batchingMistakesNameTheKey() throws IOException {
        Files.createDirectories(dir.resolve("m"));
        String base = "models:\n  - id: a.b-v1\n    family: meta-llama2\n    source: m\n";
        assertMessage(base + "    max_running_sequences: 8\n    max_tokens_per_step: 4\n", "max_tokens_per_step");
        assertMessage(base + "    max_context_tokens: 512\n    kv_cache_tokens: 100\n", "kv_cache_tokens");
        assertMessage(base + "    max_running_sequences: 0\n", "max_running_sequences");
        assertMessage(base + "    max_queue_wait_seconds: 0\n", "max_queue_wait_seconds");
        assertMessage(base + "    request_timeout_seconds: -1\n", "request_timeout_seconds");
        assertMessage(base + "    request_timeout_seconds: soon\n", "request_timeout_seconds");
    }

    @Test
    void connectionLimitsParseAtTheEdgesOfTheirRanges() throws IOException {
        Files.createDirectories(dir.resolve("m"));
        ServerSettings.ConnectionLimits limits = load("""
                server:
                  idle_timeout_seconds: 86400
                  request_header_timeout_seconds: 0.25
                  request_body_timeout_seconds: 1
                  write_stall_timeout_seconds: 0.001
                  max_header_bytes: 1024
                  max_concurrent_streams: 1000000
                models:
                  - id: a.b-v1
                    family: meta-llama2
                    source: m
                """).server().connections();
        assertEquals(new ServerSettings.ConnectionLimits(Duration.ofDays(1), Duration.ofMillis(250),
                Duration.ofSeconds(1), Duration.ofMillis(1), 1024, 1_000_000), limits);
        ServerSettings.ConnectionLimits other = load("server:\n  max_header_bytes: 16777216\n"
                + "  max_concurrent_streams: 1\nmodels:\n  - id: a.b-v1\n    family: meta-llama2\n    source: m\n").server().connections();
        assertEquals(1 << 24, other.maxHeaderBytes());
        assertEquals(1, other.maxConcurrentStreams());
        assertEquals(ServerSettings.ConnectionLimits.defaults(),
                load("models:\n  - id: a.b-v1\n    family: meta-llama2\n    source: m\n").server().connections());
    }

    @Test
    void badConnectionLimitsNameTheKeyAndTheAllowedRange() throws IOException {
        Files.createDirectories(dir.resolve("m"));
        String models = "models:\n  - id: a.b-v1\n    family: meta-llama2\n    source: m\n";
        String seconds = "greater than 0 and at most 86400";
        for (String key : List.of("idle_timeout_seconds", "request_header_timeout_seconds",
                "request_body_timeout_seconds", "write_stall_timeout_seconds")) {
            for (String bad : List.of("0", "-1", "86400.5", "soon", "[1]", "true")) {
                assertServerMessage("server:\n  " + key + ": " + bad + "\n" + models, key, seconds);
            }
        }
        for (String bad : List.of("1023", "16777217", "2048.5", "-1", "big", "\"4096\"")) {
            assertServerMessage("server:\n  max_header_bytes: " + bad + "\n" + models, "max_header_bytes",
                    "from 1024 to 16777216");
        }
        for (String bad : List.of("0", "1000001", "1.5", "many", "-100")) {
            assertServerMessage("server:\n  max_concurrent_streams: " + bad + "\n" + models,
                    "max_concurrent_streams", "from 1 to 1000000");
        }
    }

    /** The error is about the server section, names the key and gives the allowed range. */
    private void assertServerMessage(String yaml, String key, String range) {
        CatalogException e = assertThrows(CatalogException.class, () -> load(yaml), yaml);
        String m = e.getMessage();
        assertTrue(m.contains(": server:") && m.contains("'" + key + "'") && m.contains(range), m);
    }

    private void assertMessage(String yaml, String fragment) {
        CatalogException e = assertThrows(CatalogException.class, () -> load(yaml));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
