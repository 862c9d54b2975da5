package dev.localbedrock.runtime;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.TextFamilies;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import dev.localbedrock.runtime.catalog.ModelEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ModelDirectoryTest {
    private static final String PT_ARN = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdefghijkl";

    @TempDir
    Path dir;

    private List<ServedModel> served() throws IOException {
        Path file = dir.resolve("models.yaml");
        Files.writeString(file, """
                models:
                  - id: meta.llama2-13b-chat-v1
                    aliases: [meta.llama2-13b-chat-v1:0:4k]
                    source: generated:smoke-llama
                  - id: meta.llama2-70b-chat-v1
                    source: generated:smoke-llama
                """);
        // Workers are not needed to resolve identifiers: the directory only hands the served model back.
        return CatalogLoader.load(file).models().stream()
                .map(e -> (ServedModel) new ServedModel.Text(e, TextFamilies.forName(e.family()), null))
                .toList();
    }

    @Test
    void catalogueIdsResolveOnDemandWithTheResolverRules() throws IOException {
        List<ServedModel> served = served();
        ModelDirectory directory = new ModelDirectory(served);
        ModelTarget base = directory.resolve("meta.llama2-13b-chat-v1");
        assertSame(served.get(0), base.model());
        assertNull(base.capacityTag(), "catalogue ids are on-demand");
        assertSame(served.get(0), directory.resolve("meta.llama2-13b-chat-v1:0:4k").model(), "alias");
        assertSame(served.get(1), directory.resolve(
                "arn:aws:bedrock:us-east-1::foundation-model/meta.llama2-70b-chat-v1").model(), "foundation ARN");
        BedrockException missing = assertThrows(BedrockException.class, () -> directory.resolve(PT_ARN));
        assertEquals(BedrockErrorType.RESOURCE_NOT_FOUND, missing.type());
    }

    @Test
    void identifiersAddedAtRunTimeCarryTheirCapacityUntilRemoved() throws IOException {
        List<ServedModel> served = served();
        ModelDirectory directory = new ModelDirectory(served);
        ModelTarget provisioned = new ModelTarget(served.get(1), "pt-abcdefghijkl", null);
        directory.register(PT_ARN, provisioned);
        directory.register("my-throughput", provisioned);
        assertEquals(provisioned, directory.resolve(PT_ARN));
        assertEquals("pt-abcdefghijkl", directory.resolve("my-throughput").capacityTag());
        directory.register(PT_ARN, provisioned); // the same registration again is harmless
        assertThrows(IllegalStateException.class,
                () -> directory.register(PT_ARN, ModelTarget.onDemand(served.get(0))));

        directory.remove(PT_ARN);
        assertEquals(BedrockErrorType.RESOURCE_NOT_FOUND,
                assertThrows(BedrockException.class, () -> directory.resolve(PT_ARN)).type());
        // A run-time identifier may shadow a catalogue id; removing it uncovers the catalogue's again.
        directory.register("meta.llama2-13b-chat-v1", provisioned);
        assertSame(served.get(1), directory.resolve("meta.llama2-13b-chat-v1").model());
        directory.remove("meta.llama2-13b-chat-v1");
        assertSame(served.get(0), directory.resolve("meta.llama2-13b-chat-v1").model());
    }

    @Test
    void entriesKeepTheirFamily() throws IOException {
        ModelEntry entry = served().get(0).entry();
        assertEquals("meta-llama2", entry.family());
    }
}
