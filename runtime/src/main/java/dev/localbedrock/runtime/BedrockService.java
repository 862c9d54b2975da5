package dev.localbedrock.runtime;

import dev.localbedrock.runtime.audit.AuditTrail;
import dev.localbedrock.runtime.catalog.Catalog;
import dev.localbedrock.runtime.customization.CustomModels;
import dev.localbedrock.runtime.customization.CustomizationJobEvents;
import dev.localbedrock.runtime.customization.FineTuningRunner;
import dev.localbedrock.runtime.customization.ModelCustomizationService;
import dev.localbedrock.runtime.catalog.ModelEntry;
import dev.localbedrock.runtime.controlplane.ModelAccessService;
import dev.localbedrock.runtime.controlplane.ProvisionedThroughputService;
import dev.localbedrock.runtime.controlplane.TaggingService;
import dev.localbedrock.runtime.events.EventBus;
import dev.localbedrock.runtime.events.EventPublisher;
import dev.localbedrock.runtime.generation.WorkerHooks;
import dev.localbedrock.runtime.http.BedrockServer;
import dev.localbedrock.runtime.http.ServerObservers;
import dev.localbedrock.runtime.invocationlog.DataKind;
import dev.localbedrock.runtime.invocationlog.DeliveryPolicy;
import dev.localbedrock.runtime.invocationlog.InvocationLogging;
import dev.localbedrock.runtime.metrics.RuntimeMetrics;
import dev.localbedrock.runtime.observe.CallListener;
import dev.localbedrock.runtime.observe.CallListeners;
import dev.localbedrock.runtime.quota.LedgerSync;
import dev.localbedrock.runtime.quota.UsageBudget;
import dev.localbedrock.runtime.storage.ObjectStore;
import dev.localbedrock.runtime.storage.ObjectStores;
import dev.localbedrock.runtime.auth.ServerSecurity;
import dev.localbedrock.runtime.state.StateStore;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The running service: loaded models behind a bound server, and the control plane's durable state. Closing it shuts
 * down gracefully.
 */
public final class BedrockService implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(BedrockService.class);
    private final Catalog catalog;
    private final ModelRegistry registry;
    private final ShutdownGate gate;
    private final BedrockServer server;
    private final InetSocketAddress address;
    private final StateStore state;
    private final ObjectStore storage;
    private final InvocationLogging invocationLogging;
    private final ServerSecurity security;
    private final ModelCustomizationService customization;
    private final Observers observers;
    private final CallListeners callListeners;
    private final RuntimeMetrics metrics;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private final dev.localbedrock.runtime.controlplane.SharedStateRefresh sharedState;
    /** Null for an SQLite state. */
    private final LedgerSync ledgerSync;

    private BedrockService(Catalog catalog, ModelRegistry registry, ShutdownGate gate, BedrockServer server,
                           InetSocketAddress address, StateStore state, Observers observers,
                           CallListeners callListeners, RuntimeMetrics metrics, ObjectStore storage,
                           InvocationLogging invocationLogging, ServerSecurity security,
                           ModelCustomizationService customization) {
        this.customization = customization;
        this.security = security;
        this.storage = storage;
        this.invocationLogging = invocationLogging;
        this.catalog = catalog;
        this.observers = observers;
        this.callListeners = callListeners;
        this.metrics = metrics;
        this.state = state;
        this.registry = registry;
        this.gate = gate;
        this.server = server;
        this.address = address;
        // Replicas on one database see each other's provisioned throughput; an SQLite state has one owner.
        this.sharedState = StateStore.sqliteFile(catalog.state().url()).isPresent() ? null
                : dev.localbedrock.runtime.controlplane.SharedStateRefresh.start(sharedRefreshes(gate,
                invocationLogging), java.time.Duration.ofSeconds(2));
        // ... and count on-demand quotas and model units once between them.
        this.ledgerSync = state.usageLedger().map(ledger -> LedgerSync.start(ledger, () -> {
            List<UsageBudget> budgets = new ArrayList<>();
            registry.served().stream().map(ServedModel::onDemandQuota).filter(Objects::nonNull).distinct()
                    .forEach(budgets::add);
            if (gate.provisionedThroughput() != null) {
                budgets.addAll(gate.provisionedThroughput().budgets());
            }
            return budgets;
        }, LedgerSync.PERIOD)).orElse(null);
    }

    /** What a replica on a shared state refreshes from it (provisioned throughput, access grants, logging). */
    private static java.util.Map<String, Runnable> sharedRefreshes(ShutdownGate gate, InvocationLogging logging) {
        java.util.Map<String, Runnable> refreshes = new java.util.LinkedHashMap<>();
        if (gate.provisionedThroughput() != null) {
            refreshes.put("provisioned throughput", gate.provisionedThroughput()::reconcile);
        }
        if (gate.modelAccess() != null) {
            refreshes.put("model access", gate.modelAccess()::refresh);
        }
        if (logging.service() != null) {
            refreshes.put("the invocation logging configuration", logging.service()::refresh);
        }
        return refreshes;
    }

    /** Starts with FIFO admission and in-memory scheduler metrics, which also feed {@code /metrics}. */
    public static BedrockService start(Catalog catalog) throws InterruptedException {
        return start(catalog, entry -> WorkerHooks.defaults());
    }

    /**
     * Starts with each model's admission policy and metrics sink supplied by {@code hooks}; each sink also feeds
     * {@code /metrics}.
     */
    public static BedrockService start(Catalog catalog, Function<ModelEntry, WorkerHooks> hooks)
            throws InterruptedException {
        return start(catalog, hooks, ModelRegistry.DIFFUSION_ENGINE);
    }

    /** As {@link #start(Catalog, Function)}, opening the catalogue's diffusion pipelines with {@code images}. */
    static BedrockService start(Catalog catalog, Function<ModelEntry, WorkerHooks> hooks, ImageModality.Loader images)
            throws InterruptedException {
        RuntimeMetrics metrics = new RuntimeMetrics();
        return start(catalog, metrics.wrap(hooks), metrics, images);
    }

    private static BedrockService start(Catalog catalog, Function<ModelEntry, WorkerHooks> hooks,
                                        RuntimeMetrics metrics, ImageModality.Loader images)
            throws InterruptedException {
        // The state first: it is quick, and a database that cannot be opened or migrated fails before any model loads.
        StateStore state = StateStore.open(catalog.state().url());
        Observers observers;
        try {
            observers = Observers.open(catalog, ModelRegistry.REGION);
        } catch (RuntimeException e) {
            state.close();
            throw e;
        }
        ModelRegistry registry;
        try {
            registry = ModelRegistry.load(catalog, hooks, images);
        } catch (RuntimeException e) {
            observers.close();
            state.close();
            throw e;
        }
        ModelAccessService access;
        ProvisionedThroughputService provisioned;
        try {
            access = new ModelAccessService(state.modelAccess(), state.provisionedModels(), registry.served(),
                    Clock.systemUTC());
            provisioned = new ProvisionedThroughputService(state.provisionedModels(), registry.directory(), access,
                    registry.foundationModels(), ModelRegistry.REGION, Clock.systemUTC(), observers.events());
        } catch (RuntimeException e) {
            registry.close();
            observers.close();
            state.close();
            throw e;
        }
        ObjectStore storage = ObjectStores.open(catalog.storage());
        InvocationLogging logging = invocationLogging(catalog, state, storage, registry);
        TaggingService tagging = new TaggingService(state.tags(), state.provisionedModels(), state.customization());
        ShutdownGate gate = new ShutdownGate(registry, access, provisioned, tagging, logging.service());
        ModelCustomizationService customization = customization(catalog, state, storage, registry, access,
                provisioned, observers.events());
        gate.customization(customization);
        ServerSecurity security;
        try {
            security = ServerSecurity.start(catalog.server().auth(), state, catalog.state().url(),
                    ModelRegistry.REGION, ProvisionedThroughputService.ACCOUNT, name -> provisionedArn(provisioned,
                            name), tagging::list);
        } catch (RuntimeException e) {
            customization.close();
            logging.close();
            storage.close();
            registry.close();
            observers.close();
            state.close();
            throw e;
        }
        gate.security(security.gate(), security.sessionTokens());
        // Each knowledge base's vectors are an index of the configured store (models.yaml vector_store:).
        dev.localbedrock.runtime.knowledge.KnowledgeBaseService knowledgeBases =
                new dev.localbedrock.runtime.knowledge.KnowledgeBaseService(state.knowledgeBases(),
                        state.tags(), state.ingestionJobs(), registry.directory()::resolve,
                        new dev.localbedrock.runtime.knowledge.VectorStoreIndexes(vectorStores(catalog.vectorStore())),
                        storage, ModelRegistry.REGION, ProvisionedThroughputService.ACCOUNT, Clock.systemUTC(),
                        dev.localbedrock.runtime.state.JobLeases.forState(catalog.state().url()));
        knowledgeBases.resume();
        gate.knowledgeBases(knowledgeBases);
        // Agents: their foundation models resolve as InvokeModel's do; their functions are models.yaml's.
        gate.agents(new dev.localbedrock.runtime.agents.AgentService(state.agents(), state.knowledgeBases(),
                state.tags(), storage, registry.directory()::resolve, id -> access == null || access.granted(id),
                catalog.functions(), ModelRegistry.REGION, ProvisionedThroughputService.ACCOUNT, Clock.systemUTC()));
        registry.served().forEach(m -> metrics.invocations().register(m.entry().id()));
        dev.localbedrock.runtime.metrics.LogDeliveryMetrics.register(metrics.registry(), logging.counters());
        // The metrics first, then the audit trail and invocation logging; tests add theirs through callListeners().
        CallListeners listeners = new CallListeners().add(metrics.invocations()).add(observers.auditListener())
                .add(logging.listener());
        BedrockServer server = new BedrockServer(catalog.server(), gate,
                new ServerObservers(listeners, metrics::scrape));
        try {
            return new BedrockService(catalog, registry, gate, server, server.start(), state, observers, listeners,
                    metrics, storage, logging, security, customization);
        } catch (InterruptedException | RuntimeException e) {
            customization.close();
            security.close();
            logging.close();
            storage.close();
            server.close();
            registry.close();
            observers.close();
            state.close();
            throw e;
        }
    }

    /**
     * Fine-tuning over the state and the object store, its custom models served through provisioned throughput (a
     * custom model's weights load for its first provisioned model).
     */
    static ModelCustomizationService customization(Catalog catalog, StateStore state, ObjectStore storage,
                                                   ModelRegistry registry, ModelAccessService access,
                                                   ProvisionedThroughputService provisioned, EventPublisher events) {
        CustomModels models = new CustomModels(state.customization());
        ModelCustomizationService service = new ModelCustomizationService(state.customization(),
                new CustomizationBases(registry.directory(), registry.foundationModels(), models::find), access,
                state.provisionedModels(), new FineTuningRunner(storage, catalog.customization()),
                new dev.localbedrock.runtime.customization.JobStorage(storage),
                new CustomizationJobEvents(events), catalog.customization(), ModelRegistry.REGION,
                ProvisionedThroughputService.ACCOUNT, Clock.systemUTC(),
                dev.localbedrock.runtime.state.JobLeases.forState(catalog.state().url()));
        provisioned.customModels(new CustomModelHost(registry, models::find));
        return service;
    }

    /** Fine-tuning jobs and custom models. */
    public ModelCustomizationService customization() {
        return customization;
    }

    /** A provisioned model's ARN from its name, for IAM's resource; null when no such model exists. */
    private static String provisionedArn(ProvisionedThroughputService provisioned, String name) {
        try {
            return provisioned.get(name).arn();
        } catch (dev.localbedrock.codecs.BedrockException e) {
            return null;
        }
    }

    /**
     * Model invocation logging over the configured storage: its configuration service (the control plane's
     * Put/Get/DeleteModelInvocationLoggingConfiguration) and the listener to register with the server's call
     * listeners. CloudWatch Logs files go under the storage folder.
     */
    static InvocationLogging invocationLogging(Catalog catalog, StateStore state, ObjectStore storage,
                                               ModelRegistry registry) {
        java.util.Map<String, DataKind> kinds = new java.util.HashMap<>();
        for (ServedModel m : registry.served()) {
            kinds.put(m.entry().id(), m instanceof ServedModel.Embedding ? DataKind.EMBEDDING
                    : m instanceof ServedModel.Image ? DataKind.IMAGE : DataKind.TEXT);
        }
        return InvocationLogging.start(state.invocationLogging(), storage,
                catalog.storage().localDir().resolve(InvocationLogging.CLOUDWATCH_DIR), kinds::get,
                dev.localbedrock.runtime.controlplane.ProvisionedThroughputService.ACCOUNT, ModelRegistry.REGION,
                DeliveryPolicy.DEFAULT);
    }

    /** Model invocation logging (its listener is among {@link #callListeners()}) and its delivery counters. */
    public InvocationLogging invocationLogging() {
        return invocationLogging;
    }

    /** The object store models.yaml's {@code storage:} names. */
    /** Agents (bedrock-agent); the orchestrator reads {@code resolveForInvocation} from it. */
    public dev.localbedrock.runtime.agents.AgentService agents() {
        return gate.agents();
    }

    public ObjectStore storage() {
        return storage;
    }

    public InetSocketAddress address() {
        return address;
    }

    /** The HTTPS address (server.tls), or null when TLS is off. */
    public InetSocketAddress tlsAddress() {
        return server.tlsAddress();
    }

    /** The certificate the HTTPS port presents, or null when TLS is off. */
    public dev.localbedrock.runtime.tls.TlsCertificate tlsCertificate() {
        return server.tlsCertificate();
    }

    public ModelRegistry registry() {
        return registry;
    }

    /**
     * The audit trail's call listener (a no-op when models.yaml turns the audit off), already among
     * {@link #callListeners()}.
     */
    public CallListener auditListener() {
        return observers.auditListener();
    }

    /** The state-change event bus (provisioned throughput now; customization jobs publish to it too). */
    public EventPublisher events() {
        return observers.events();
    }

    /**
     * Every completed call goes to these listeners (the metrics first). Add one to observe calls from then on, on
     * the event loop or a decode thread: it must be quick and not block (see {@link CallListener}).
     */
    public CallListeners callListeners() {
        return callListeners;
    }

    /** The metrics registry {@code GET /metrics} scrapes. */
    public RuntimeMetrics metrics() {
        return metrics;
    }

    /** The control plane's durable state (model access, provisioned throughput, tags). */
    public StateStore state() {
        return state;
    }

    /**
     * Drains, then closes everything: from the first moment every new request (on a new or an open connection) gets
     * 503 ServiceUnavailableException, generations already admitted finish within the grace period (the rest are
     * ended with an error), and only then does the server stop listening and close its connections. The port stays
     * open during the drain so that clients and load balancers get an answer they retry elsewhere rather than a
     * refused connection. Idempotent: the serve command calls it on a signal and again from its fallback shutdown
     * hook.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long graceMillis = catalog.server().shutdownGrace().toMillis();
        log.info("shutting down: new requests get 503, in-flight generations may finish for up to {} ms",
                graceMillis);
        gate.beginDrain();
        if (sharedState != null) {
            sharedState.close();
        }
        if (ledgerSync != null) {
            ledgerSync.close();
        }
        long start = System.currentTimeMillis();
        customization.shutdown(Math.min(graceMillis, 10_000)); // training ends Failed: a job cannot resume
        server.finishDecoding(graceMillis); // requests accepted before the drain reach their models first
        registry.shutdown(Math.max(1, graceMillis - (System.currentTimeMillis() - start)));
        server.close();
        gate.knowledgeBases().close(); // an index being built finishes; one left CREATING resumes at next start
        invocationLogging.close(); // drains what the last calls logged, for a few seconds
        storage.close();
        observers.close(); // after the server: every call has completed, so the audit and the events are whole
        security.close();
        state.close(); // after the server: no request is left to write
        log.info("shut down");
    }

    /** The audit trail and the event bus, opened from the catalogue before anything can call or change state. */
    private record Observers(AuditTrail audit, EventBus bus) implements AutoCloseable {
        static Observers open(Catalog catalog, String region) {
            AuditTrail audit = catalog.audit().enabled() ? AuditTrail.open(catalog.audit(), region,
                    ProvisionedThroughputService.ACCOUNT, Clock.systemUTC()) : null;
            try {
                return new Observers(audit, EventBus.open(catalog.events(), region,
                        ProvisionedThroughputService.ACCOUNT, Clock.systemUTC()));
            } catch (RuntimeException e) {
                if (audit != null) {
                    audit.close();
                }
                throw e;
            }
        }

        CallListener auditListener() {
            return audit == null ? call -> { } : audit;
        }

        EventPublisher events() {
            return bus;
        }

        @Override
        public void close() {
            bus.close();
            if (audit != null) {
                audit.close();
            }
        }
    }

    /** The store knowledge bases keep their vectors in: Lucene on disk, or PostgreSQL with pgvector. */
    private static dev.localbedrock.knowledge.vector.VectorStoreFactory vectorStores(
            dev.localbedrock.runtime.catalog.VectorStoreSettings settings) {
        if (settings.postgres()) {
            log.info("knowledge bases keep their vectors in PostgreSQL (pgvector) at {}", settings.url());
            return new dev.localbedrock.knowledge.vector.PgVectorStoreFactory(settings.url(), settings.user(),
                    settings.password());
        }
        return new dev.localbedrock.knowledge.vector.LuceneVectorStoreFactory(settings.dir());
    }
}
