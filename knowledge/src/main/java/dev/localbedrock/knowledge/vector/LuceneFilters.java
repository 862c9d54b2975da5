package dev.localbedrock.knowledge.vector;

import java.util.List;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.PrefixQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.BytesRef;

/**
 * {@link Filter}s as Lucene queries over the store's keyword fields. Metadata is one multi-valued field of
 * {@code key NUL value} terms, so equality is one term and a value prefix is a term prefix, whatever the keys.
 */
final class LuceneFilters {

    static final String CHUNK_ID = "_lb_chunk_id";
    static final String SOURCE_URI = "_lb_source_uri";
    static final String DATA_SOURCE_ID = "_lb_data_source_id";
    static final String METADATA_TERMS = "_lb_meta";
    static final char KEY_END = '\0';

    private LuceneFilters() {
    }

    static String metadataTerm(String key, String value) {
        return key + KEY_END + value;
    }

    static Query toQuery(Filter filter) {
        if (filter instanceof Filter.Equals f) {
            return new TermQuery(term(f.attribute(), f.value()));
        }
        if (filter instanceof Filter.NotEquals f) {
            // A purely negative boolean query matches nothing in Lucene: subtract from everything.
            return new BooleanQuery.Builder()
                    .add(new MatchAllDocsQuery(), Occur.FILTER)
                    .add(new TermQuery(term(f.attribute(), f.value())), Occur.MUST_NOT)
                    .build();
        }
        if (filter instanceof Filter.In f) {
            if (f.values().isEmpty()) {
                return new MatchNoDocsQuery("in: no values");
            }
            List<BytesRef> terms = f.values().stream().map(v -> term(f.attribute(), v).bytes()).toList();
            return new TermInSetQuery(field(f.attribute()), terms);
        }
        if (filter instanceof Filter.StartsWith f) {
            return new PrefixQuery(term(f.attribute(), f.prefix()));
        }
        if (filter instanceof Filter.AndAll f) {
            BooleanQuery.Builder all = new BooleanQuery.Builder();
            f.filters().forEach(member -> all.add(toQuery(member), Occur.FILTER));
            return all.build();
        }
        if (filter instanceof Filter.OrAll f) {
            BooleanQuery.Builder any = new BooleanQuery.Builder().setMinimumNumberShouldMatch(1);
            f.filters().forEach(member -> any.add(toQuery(member), Occur.SHOULD));
            return any.build();
        }
        throw new IllegalArgumentException("unsupported filter " + filter);
    }

    private static String field(Filter.Attribute attribute) {
        return switch (attribute.kind()) {
            case METADATA -> METADATA_TERMS;
            case SOURCE_URI -> SOURCE_URI;
            case DATA_SOURCE_ID -> DATA_SOURCE_ID;
        };
    }

    private static Term term(Filter.Attribute attribute, String value) {
        String text = attribute.kind() == Filter.Attribute.Kind.METADATA ? metadataTerm(attribute.key(), value) : value;
        return new Term(field(attribute), text);
    }
}
