package dev.localbedrock.runtime.cli;

import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.catalog.Catalog;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import dev.localbedrock.runtime.catalog.ServerSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import sun.misc.Signal;

/**
 * Starts the server and prints {@code listening on http://HOST:PORT} once it accepts requests (then, with TLS on,
 * {@code listening on https://HOST:PORT (certificate SHA-256 …)}).
 */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve the models of a models.yaml.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--config", defaultValue = "models.yaml", description = "The model catalogue (default: ${DEFAULT-VALUE}).")
    Path config;

    @Option(names = "--port", description = "Port to listen on; 0 picks a free one (default: models.yaml or 8080).")
    Integer port;

    @Option(names = "--tls-port", description = "Also serve HTTPS on this port; 0 picks a free one (default: "
            + "models.yaml's server.tls.port, else no TLS). Without server.tls certificate files, a self-signed "
            + "certificate is generated under the cache folder (docs/tls.md).")
    Integer tlsPort;

    @Option(names = "--host", description = "Address to bind (default: models.yaml or 127.0.0.1).")
    String host;

    @Override
    public Integer call() throws Exception {
        Catalog catalog = CatalogLoader.load(config);
        ServerSettings settings = catalog.server();
        if (host != null) {
            settings = settings.withHost(host);
        }
        if (port != null) {
            settings = settings.withPort(port);
        }
        if (tlsPort != null) {
            if (tlsPort < 0 || tlsPort > 65535) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--tls-port must be from 0 to 65535, not " + tlsPort);
            }
            settings = settings.withTlsPort(tlsPort);
        }
        BedrockService service = BedrockService.start(catalog.withServer(settings));
        InetSocketAddress bound = service.address();
        CountDownLatch stopRequested = new CountDownLatch(1);
        // SIGTERM/SIGINT are handled here rather than by a shutdown hook: the JVM runs all hooks at once, and ONNX
        // Runtime's own hook frees its native environment while a generation may still be running on it (a crash).
        // Stopping first, then exiting, lets in-flight requests finish before any library hook runs.
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> stopRequested.countDown());
            } catch (IllegalArgumentException unsupportedOnThisPlatform) {
                // Fall back to the shutdown hook below.
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "shutdown"));
        System.out.println("listening on http://" + settings.host() + ":" + bound.getPort());
        if (service.tlsAddress() != null) {
            System.out.println("listening on https://" + settings.host() + ":" + service.tlsAddress().getPort()
                    + " (certificate SHA-256 " + service.tlsCertificate().sha256Fingerprint() + ")");
        }
        System.out.flush();
        stopRequested.await();
        service.close();
        return 0;
    }
}
