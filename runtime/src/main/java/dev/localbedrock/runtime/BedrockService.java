package dev.localbedrock.runtime;

import dev.localbedrock.runtime.catalog.Catalog;
import dev.localbedrock.runtime.catalog.ModelEntry;
import dev.localbedrock.runtime.generation.WorkerHooks;
import dev.localbedrock.runtime.http.BedrockServer;

import java.net.InetSocketAddress;
import java.util.function.Function;

/** The running service: loaded models behind a bound server. Closing it shuts down gracefully. */
public final class BedrockService implements AutoCloseable {
    private final Catalog catalog;
    private final ModelRegistry registry;
    private final BedrockServer server;
    private final InetSocketAddress address;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private BedrockService(Catalog catalog, ModelRegistry registry, BedrockServer server, InetSocketAddress address) {
        this.catalog = catalog;
        this.registry = registry;
        this.server = server;
        this.address = address;
    }

    public static BedrockService start(Catalog catalog) throws InterruptedException {
        return start(catalog, entry -> WorkerHooks.defaults());
    }

    /** Starts with each model's admission policy and metrics sink supplied by {@code hooks}. */
    public static BedrockService start(Catalog catalog, Function<ModelEntry, WorkerHooks> hooks)
            throws InterruptedException {
        ModelRegistry registry = ModelRegistry.load(catalog, hooks);
        BedrockServer server = new BedrockServer(catalog.server(), registry);
        try {
            return new BedrockService(catalog, registry, server, server.start());
        } catch (InterruptedException | RuntimeException e) {
            server.close();
            registry.close();
            throw e;
        }
    }

    public InetSocketAddress address() {
        return address;
    }

    public ModelRegistry registry() {
        return registry;
    }

    /**
     * Stops accepting, lets in-flight generations finish within the grace period, then closes everything. Idempotent:
     * the serve command calls it on a signal and again from its fallback shutdown hook.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stopAccepting();
        registry.shutdown(catalog.server().shutdownGrace().toMillis());
        server.close();
    }
}
