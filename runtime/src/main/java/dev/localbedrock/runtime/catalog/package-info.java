/**
 * The catalogue: {@code models.yaml} read into {@code Catalog} (server settings and one {@code ModelEntry} per model),
 * every mistake reported with the entry and key it is in before anything loads, and {@code ModelIdResolver}, which
 * maps a model id, alias or ARN from a request path to its entry.
 *
 * <p>{@code CatalogLoader} is the one public entry point; the schemas are package-private parts of it
 * ({@code ServerSectionParser}, {@code ModelEntryParser} with {@code TextEntryKeys} and {@code EmbeddingEntryRules},
 * {@code SourceResolver}, the typed reads of {@code YamlValues}). Engine names and ONNX build options are read with
 * the vocabularies {@code engines} owns ({@code EngineKind}, {@code BuildOptions}), family names with those of
 * {@code codecs}.
 *
 * <p>May depend on {@code codecs} and {@code engines} only, never on another runtime package.
 *
 * <p>Threads: the loader runs once, on the thread that starts the service, and may read the file system there; the
 * resulting records are immutable, so the event loops and decode threads that resolve ids read them without locks.
 */
package dev.localbedrock.runtime.catalog;
