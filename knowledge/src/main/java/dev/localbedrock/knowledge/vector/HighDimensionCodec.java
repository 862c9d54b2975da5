package dev.localbedrock.knowledge.vector;

import java.io.IOException;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;

/**
 * Lucene's default codec with vectors of up to {@link IndexSpec#MAX_DIMENSIONS} dimensions. Lucene refuses to index
 * vectors longer than the vector format's {@code getMaxDimensions} (1024 by default), which would rule out Titan's
 * 1536. The files are exactly Lucene's own: the codec keeps its name ({@code Lucene912}) and the vector format
 * writes under {@code Lucene99HnswVectorsFormat}'s name, so the index reads back with stock Lucene; only writing
 * needs this codec.
 */
final class HighDimensionCodec extends Lucene912Codec {

    private final KnnVectorsFormat vectors = new HighDimensionHnswFormat(new Lucene99HnswVectorsFormat());

    @Override
    public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
        return vectors;
    }

    /** The HNSW format, delegated to unchanged, reporting a larger dimension limit. */
    private static final class HighDimensionHnswFormat extends KnnVectorsFormat {
        private final KnnVectorsFormat delegate;

        HighDimensionHnswFormat(KnnVectorsFormat delegate) {
            super(delegate.getName());
            this.delegate = delegate;
        }

        @Override
        public KnnVectorsWriter fieldsWriter(SegmentWriteState state) throws IOException {
            return delegate.fieldsWriter(state);
        }

        @Override
        public KnnVectorsReader fieldsReader(SegmentReadState state) throws IOException {
            return delegate.fieldsReader(state);
        }

        @Override
        public int getMaxDimensions(String fieldName) {
            return IndexSpec.MAX_DIMENSIONS;
        }

        @Override
        public String toString() {
            return "HighDimension(" + delegate + ")";
        }
    }
}
