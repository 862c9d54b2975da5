package dev.localbedrock.runtime.state;

import dev.localbedrock.runtime.quota.UsageLedger;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.output.MigrateResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The control plane's database, opened and brought to the current schema: the repositories the APIs are written
 * over. Opening migrates (Flyway, {@code classpath:db/migration}); a database already at the current schema is
 * left as it is, and one from a newer release (with migrations this one does not know) is refused rather than
 * guessed at.
 */
public final class StateStore implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(StateStore.class);
    private static final String SQLITE = "jdbc:sqlite:";
    private final Transactor tx;
    private final ModelAccessRepository modelAccess;
    private final ProvisionedModelRepository provisionedModels;
    private final TagRepository tags;
    private final InvocationLoggingRepository invocationLogging;
    private final SecurityRepository security;
    private final CustomizationRepository customization;
    private final KnowledgeBaseRepository knowledgeBases;
    private final IngestionJobRepository ingestionJobs;
    // --- agents (bedrock-agent) ---
    private final AgentRepository agents;

    private final String url;
    private JdbcUsageLedger ledger;

    private StateStore(Transactor tx, String url) {
        this.tx = tx;
        this.url = url;
        this.modelAccess = new JdbcModelAccessRepository(tx);
        this.provisionedModels = new JdbcProvisionedModelRepository(tx);
        this.tags = new JdbcTagRepository(tx);
        this.invocationLogging = new JdbcInvocationLoggingRepository(tx, java.time.Clock.systemUTC());
        this.security = new JdbcSecurityRepository(tx);
        this.customization = new JdbcCustomizationRepository(tx);
        this.knowledgeBases = new JdbcKnowledgeBaseRepository(tx);
        this.ingestionJobs = new JdbcIngestionJobRepository(tx);
        this.agents = new JdbcAgentRepository(tx);
    }

    /** Opens the database at {@code jdbcUrl}, creating an SQLite file's folder when needed, and migrates it. */
    public static StateStore open(String jdbcUrl) {
        sqliteFile(jdbcUrl).ifPresent(StateStore::createFolder);
        migrate(jdbcUrl);
        Transactor tx = new Transactor(jdbcUrl);
        StateStore store = new StateStore(tx, jdbcUrl);
        // Open the connection now, so that a database that cannot be used fails the start, not the first call.
        tx.inTransaction("open " + jdbcUrl, c -> null);
        return store;
    }

    private static void migrate(String jdbcUrl) {
        try {
            Flyway flyway = Flyway.configure(StateStore.class.getClassLoader())
                    .dataSource(jdbcUrl, null, null)
                    .locations("classpath:db/migration")
                    .failOnMissingLocations(true)
                    // A database a newer release has migrated is used as it is (Flyway's default: its "future"
                    // migrations are ignored): migrations only add (MigrationCompatibilityTest), so during a rolling
                    // upgrade this release's statements still run on the newer schema
                    // (NewerSchemaStateStoreTest runs every repository on one).
                    .load();
            MigrateResult result = flyway.migrate();
            if (result.migrationsExecuted > 0) {
                log.info("state database {}: migrated to schema version {}", jdbcUrl, result.targetSchemaVersion);
            }
            List<String> newer = Arrays.stream(flyway.info().all())
                    .filter(m -> m.getState() == MigrationState.FUTURE_SUCCESS)
                    .map(m -> m.getVersion() + " (" + m.getDescription() + ")").toList();
            if (!newer.isEmpty()) {
                log.warn("state database {} has migrations from a newer release: {}; running on it, as every "
                        + "migration only adds; upgrade this server", jdbcUrl, String.join(", ", newer));
            }
        } catch (FlywayException e) {
            throw new StateException("cannot migrate the state database " + jdbcUrl + ": " + e.getMessage(), e);
        }
    }

    /**
     * The file behind an SQLite URL. An in-memory database is refused: the state must outlive the process, and
     * each connection would see a database of its own.
     */
    public static Optional<Path> sqliteFile(String jdbcUrl) {
        if (!jdbcUrl.startsWith(SQLITE)) {
            return Optional.empty();
        }
        String rest = jdbcUrl.substring(SQLITE.length());
        int query = rest.indexOf('?');
        String file = query < 0 ? rest : rest.substring(0, query);
        if (file.startsWith("file:")) {
            file = file.substring("file:".length());
        }
        if (file.isEmpty() || file.startsWith(":memory:") || rest.contains("mode=memory")) {
            throw new StateException("the state database must be a file, not in memory: " + jdbcUrl);
        }
        return Optional.of(Path.of(file));
    }

    private static void createFolder(Path file) {
        Path folder = file.toAbsolutePath().getParent();
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new StateException("cannot create the state folder " + folder + ": " + e.getMessage(), e);
        }
    }

    public ModelAccessRepository modelAccess() {
        return modelAccess;
    }

    public ProvisionedModelRepository provisionedModels() {
        return provisionedModels;
    }

    public TagRepository tags() {
        return tags;
    }

    /** The model invocation logging configuration. */
    public InvocationLoggingRepository invocationLogging() {
        return invocationLogging;
    }

    /** Principals, access keys and attached policies. */
    public SecurityRepository security() {
        return security;
    }

    /** Model customization jobs and the custom models they made. */
    public CustomizationRepository customization() {
        return customization;
    }

    /** Knowledge bases and their data sources. */
    public KnowledgeBaseRepository knowledgeBases() {
        return knowledgeBases;
    }

    /** Knowledge-base ingestion jobs and the documents they indexed. */
    public IngestionJobRepository ingestionJobs() {
        return ingestionJobs;
    }

    // --- agents (bedrock-agent) ---

    /** Agents, their action groups, knowledge-base associations, aliases and versions. */
    public AgentRepository agents() {
        return agents;
    }

    // --- the replicas' shared usage (PostgreSQL) ---

    /**
     * The replicas' shared token buckets, on a connection of its own; empty for an SQLite state, which one process
     * owns and which counts usage in memory.
     */
    public synchronized Optional<UsageLedger> usageLedger() {
        if (url.startsWith(SQLITE)) {
            return Optional.empty();
        }
        if (ledger == null) {
            ledger = new JdbcUsageLedger(new Transactor(url));
        }
        return Optional.of(ledger);
    }

    @Override
    public synchronized void close() {
        if (ledger != null) {
            ledger.close();
        }
        tx.close();
    }
}
