package dev.localbedrock.runtime.clients;

import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.TestServers;
import dev.localbedrock.runtime.catalog.CatalogLoader;

import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The real service on an ephemeral port, serving every merged {@link ServedFamily}, for the real-client tests. */
final class ClientTestServer {
    static final String ACCESS_KEY = "AKIDEXAMPLE";
    static final String SECRET_KEY = "not-a-secret";

    private ClientTestServer() {
    }

    static BedrockService start(Path workDir) throws Exception {
        String more = Arrays.stream(ServedFamily.values()).filter(f -> f.merged)
                .map(ServedFamily::catalogueEntry).collect(Collectors.joining("\n"));
        Path file = TestServers.writeTinyLlamaCatalogue(workDir, "pytorch", "", "max_context_tokens: 256", more);
        return BedrockService.start(CatalogLoader.load(file));
    }

    static URI endpoint(BedrockService service) {
        return URI.create("http://127.0.0.1:" + service.address().getPort());
    }
}
