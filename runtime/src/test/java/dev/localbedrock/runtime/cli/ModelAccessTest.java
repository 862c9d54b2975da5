package dev.localbedrock.runtime.cli;

import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.TestServers;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import dev.localbedrock.runtime.state.ProvisionedModel;
import dev.localbedrock.runtime.state.ProvisionedModelStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.AccessDeniedException;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Model access end to end: models.yaml's initial grant, AccessDeniedException through the Java SDK, the
 * {@code access} CLI granting and revoking on a running server, the grant surviving a restart, and a revocation
 * refused while provisioned throughput uses the model.
 */
class ModelAccessTest {
    private static final String BODY = "{\"prompt\":\"Hello\",\"max_gen_len\":2}";

    @TempDir
    Path workDir;

    private BedrockService start() throws Exception {
        Path yaml = TestServers.writeTinyLlamaCatalogue(workDir, "pytorch", "",
                "max_context_tokens: 64\nmodel_access: denied\n", "");
        return BedrockService.start(CatalogLoader.load(yaml));
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run cli(BedrockService service, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--endpoint";
        all[args.length + 1] = "http://127.0.0.1:" + service.address().getPort();
        int exit = cli.execute(all);
        return new Run(exit, out.toString(), err.toString());
    }

    private static void invoke(BedrockRuntimeClient client, String id) {
        client.invokeModel(r -> r.modelId(id).body(SdkBytes.fromUtf8String(BODY)));
    }

    @Test
    void aModelMustBeGrantedBeforeItIsInvokedAndTheGrantIsDurable() throws Exception {
        String id = TestServers.LLAMA_ID;
        try (BedrockService service = start(); BedrockRuntimeClient client = TestServers.syncClient(service)) {
            AccessDeniedException denied = assertThrows(AccessDeniedException.class, () -> invoke(client, id));
            assertEquals(403, denied.statusCode());
            assertTrue(denied.getMessage().contains("You don't have access to the model with the specified model ID."),
                    denied.getMessage());

            Run list = cli(service, "access", "list");
            assertEquals(0, list.exit(), list.err());
            assertTrue(list.out().contains("\"modelId\":\"" + id + "\",\"granted\":false"), list.out());

            Run grant = cli(service, "access", "grant", id);
            assertEquals(0, grant.exit(), grant.err());
            invoke(client, id);

            Run unknown = cli(service, "access", "grant", "meta.no-such-model-v1");
            assertEquals(1, unknown.exit());
            assertTrue(unknown.err().contains("ResourceNotFoundException"), unknown.err());
        }
        // Restarted with the same models.yaml (which still says denied): the stored grant wins.
        try (BedrockService service = start(); BedrockRuntimeClient client = TestServers.syncClient(service)) {
            invoke(client, id);

            Instant now = Instant.now();
            service.state().provisionedModels().create(new ProvisionedModel(
                    "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdefghijkl", "my-pt", id, 1, id, 1,
                    ProvisionedModelStatus.IN_SERVICE, null, null, null, now, now, null));
            Run refused = cli(service, "access", "revoke", id);
            assertEquals(1, refused.exit());
            assertTrue(refused.err().contains("409 ConflictException") && refused.err().contains("my-pt"),
                    refused.err());
            invoke(client, id);

            service.state().provisionedModels().delete(
                    "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdefghijkl");
            assertEquals(0, cli(service, "access", "revoke", id).exit());
            assertThrows(AccessDeniedException.class, () -> invoke(client, id));
        }
    }
}
