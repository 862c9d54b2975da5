package dev.localbedrock.knowledge.vector;

import java.util.Set;

/**
 * The knowledge base's field mapping: where a store keeps each chunk's vector, its text and its metadata. The
 * embedded store uses them as Lucene field names, an external store as its column or property names, so an index
 * reads the way the knowledge base's storage configuration describes it.
 */
public record FieldNames(String vectorField, String textField, String metadataField) {

    /** Field names the stores keep for themselves (chunk id, source, data source, metadata filter terms). */
    static final Set<String> RESERVED = Set.of(LuceneFilters.CHUNK_ID, LuceneFilters.SOURCE_URI,
            LuceneFilters.DATA_SOURCE_ID, LuceneFilters.METADATA_TERMS);

    public FieldNames {
        requireName("vectorField", vectorField);
        requireName("textField", textField);
        requireName("metadataField", metadataField);
        if (vectorField.equals(textField) || vectorField.equals(metadataField) || textField.equals(metadataField)) {
            throw new IllegalArgumentException("fieldMapping names must differ: vectorField=" + vectorField
                    + ", textField=" + textField + ", metadataField=" + metadataField);
        }
    }

    private static void requireName(String what, String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("fieldMapping." + what + " must not be empty");
        }
        if (name.length() > 2048) {
            throw new IllegalArgumentException("fieldMapping." + what + " must be at most 2048 characters");
        }
        if (RESERVED.contains(name)) {
            throw new IllegalArgumentException(
                    "fieldMapping." + what + " '" + name + "' is reserved; use another name");
        }
    }
}
