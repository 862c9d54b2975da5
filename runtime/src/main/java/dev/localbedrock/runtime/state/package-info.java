/**
 * The control plane's durable state: model access, provisioned throughput and tags, behind repository interfaces
 * ({@link dev.localbedrock.runtime.state.ModelAccessRepository},
 * {@link dev.localbedrock.runtime.state.ProvisionedModelRepository}, {@link dev.localbedrock.runtime.state.TagRepository})
 * with one JDBC implementation each, opened and migrated by {@link dev.localbedrock.runtime.state.StateStore}.
 *
 * <p><b>Why SQLite</b> (not H2) as the embedded default: its commit is durable by construction. With the write-ahead
 * log and {@code synchronous=FULL} a transaction is on disk (fsync) before {@code commit()} returns, so a
 * {@code kill -9} (or a power cut) right after loses nothing acknowledged, and an interrupted transaction is rolled
 * back on the next open, never half visible. H2's MVStore by default delays writes (WRITE_DELAY) and has a longer
 * history of files that do not reopen after a crash. SQLite's file format is stable, readable with the
 * {@code sqlite3} tool for inspection and online backup, and its locking lets a second process on the same file wait
 * rather than corrupt it. The driver bundles its native library, so nothing is fetched at run time.
 *
 * <p><b>Portability</b>: the migrations (Flyway, {@code db/migration}) and the repositories' SQL use standard types
 * only (VARCHAR, INTEGER, BIGINT, BOOLEAN), instants as BIGINT epoch milliseconds, upserts as
 * {@code INSERT ... ON CONFLICT ... DO UPDATE} (SQLite 3.24+ and PostgreSQL 9.5+ alike), so moving the state to
 * PostgreSQL for several replicas means a JDBC URL, the driver, flyway-database-postgresql and a pool, not new SQL.
 *
 * <p><b>Transactions</b>: each create, update or delete is one transaction on one connection guarded by a lock
 * ({@link dev.localbedrock.runtime.state.Transactor}). One process owns the file, SQLite serialises writers anyway,
 * and control-plane calls are rare and short: a pool would only add SQLITE_BUSY retries between its own
 * connections.
 */
package dev.localbedrock.runtime.state;
