package dev.localbedrock.runtime.knowledge;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An ingestion job's counters, under the names the SDK's {@code IngestionJobStatistics} gives them. Scanned counts
 * every document listed (unchanged ones included); new, modified, deleted and failed count what the job did to
 * them. Metadata files ({@code KEY.metadata.json}) are counted apart, as the service does.
 */
final class IngestionStatistics {
    long scanned;
    long metadataScanned;
    long newIndexed;
    long modifiedIndexed;
    long metadataModified;
    long deleted;
    long failed;
    long skipped;

    Map<String, Long> toMap() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("numberOfDocumentsScanned", scanned);
        m.put("numberOfMetadataDocumentsScanned", metadataScanned);
        m.put("numberOfNewDocumentsIndexed", newIndexed);
        m.put("numberOfModifiedDocumentsIndexed", modifiedIndexed);
        m.put("numberOfMetadataDocumentsModified", metadataModified);
        m.put("numberOfDocumentsDeleted", deleted);
        m.put("numberOfDocumentsFailed", failed);
        // Newer models have it; older SDKs ignore a member they do not know.
        m.put("numberOfDocumentsSkipped", skipped);
        return m;
    }

    static Map<String, Long> zero() {
        return new IngestionStatistics().toMap();
    }
}
