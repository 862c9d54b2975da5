package dev.localbedrock.runtime.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.localbedrock.runtime.catalog.YamlValues.checkKeys;
import static dev.localbedrock.runtime.catalog.YamlValues.text;

/**
 * Reads models.yaml. Relative paths resolve against the YAML file's folder, so a catalogue can be moved together with
 * its models. Every mistake is reported with the entry and key it is in, before anything is loaded.
 *
 * <p>This class holds the top level (cache folder, ids unique across entries); {@link ServerSectionParser} reads
 * {@code server:}, {@link StateSectionParser} {@code state:}, {@link ObservabilitySectionParser} {@code audit:}
 * and {@code events:}, {@link ModelEntryParser} each entry of {@code models:}, with {@link SourceResolver} for its
 * {@code source:}.
 */
public final class CatalogLoader {
    /** Generated sources live under this folder (relative to the YAML file unless {@code cache_dir} says otherwise). */
    static final String DEFAULT_CACHE_DIR = ".local-bedrock";
    private static final Set<String> TOP_KEYS = Set.of("server", "cache_dir", "models", "state", "audit", "events",
            "storage", "customization", "functions", "vector_store");

    private CatalogLoader() {
    }

    public static Catalog load(Path yamlFile) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yamlFile.toFile());
        } catch (IOException e) {
            throw new CatalogException(yamlFile + ": cannot read: " + e.getMessage(), e);
        }
        Path base = yamlFile.toAbsolutePath().getParent();
        return parse(root, base, yamlFile.toString());
    }

    static Catalog parse(JsonNode root, Path base, String where) {
        if (root == null || !root.isObject()) {
            throw new CatalogException(where + ": expected a mapping with a 'models:' list");
        }
        checkKeys(root, TOP_KEYS, where);
        Path cacheDir = base.resolve(text(root, "cache_dir", DEFAULT_CACHE_DIR, where)).normalize();
        ServerSettings server = ServerSectionParser.parse(root.get("server"), base, cacheDir,
                where + ": server");
        StateSettings state = StateSectionParser.parse(root.get("state"), cacheDir, where + ": state");
        StorageSettings storage = StorageSectionParser.parse(root.get("storage"), base, cacheDir,
                where + ": storage");
        AuditSettings audit = ObservabilitySectionParser.audit(root.get("audit"), base, cacheDir, where + ": audit");
        EventSettings events = ObservabilitySectionParser.events(root.get("events"), base, cacheDir, where + ": events");
        CustomizationSettings customization = CustomizationSectionParser.parse(root.get("customization"), base,
                cacheDir, where + ": customization");
        java.util.Map<String, java.net.URI> functions = FunctionsSectionParser.parse(root.get("functions"),
                where + ": functions");
        VectorStoreSettings vectorStore = VectorStoreSectionParser.parse(root.get("vector_store"), base,
                cacheDir, where + ": vector_store");
        JsonNode models = root.get("models");
        if (models == null || !models.isArray() || models.isEmpty()) {
            throw new CatalogException(where + ": 'models' must be a non-empty list");
        }
        ModelEntryParser entryParser = new ModelEntryParser(base, cacheDir);
        List<ModelEntry> entries = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < models.size(); i++) {
            ModelEntry entry = entryParser.parse(models.get(i), where + ": models[" + i + "]");
            for (String id : allIds(entry)) {
                if (!ids.add(id)) {
                    throw new CatalogException(where + ": model id '" + id + "' is listed twice");
                }
            }
            entries.add(entry);
        }
        return new Catalog(server, entries, state, audit, events, storage, customization, functions, vectorStore);
    }

    private static List<String> allIds(ModelEntry entry) {
        List<String> all = new ArrayList<>();
        all.add(entry.id());
        all.addAll(entry.aliases());
        return all;
    }
}
