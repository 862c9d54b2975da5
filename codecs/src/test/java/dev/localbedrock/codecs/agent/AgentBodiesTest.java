package dev.localbedrock.codecs.agent;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AgentBodiesTest {
    private static byte[] json(String s) {
        return s.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyViolationIsReportedAtOnceInTheServicesWords() {
        BedrockException e = assertThrows(BedrockException.class, () -> KnowledgeBaseBodies.readCreate(json(
                "{'name':'bad name','knowledgeBaseConfiguration':{'type':'GRAPH'}}")));
        assertEquals(BedrockErrorType.VALIDATION, e.type());
        assertEquals("3 validation errors detected: Value 'bad name' at 'name' failed to satisfy constraint: Member"
                + " must satisfy regular expression pattern: ^([0-9a-zA-Z][_-]?){1,100}$; Value null at 'roleArn'"
                + " failed to satisfy constraint: Member must not be null; Value 'GRAPH' at"
                + " 'knowledgeBaseConfiguration.type' failed to satisfy constraint: Member must satisfy enum value"
                + " set: [VECTOR, KENDRA, SQL]", e.getMessage());
    }

    @Test
    void aDefinitionReadsBackFromWhatIsStored() {
        KnowledgeBaseBodies.Create c = KnowledgeBaseBodies.readCreate(json("{'name':'kb','roleArn':"
                + "'arn:aws:iam::123456789012:role/r','knowledgeBaseConfiguration':{'type':'VECTOR',"
                + "'vectorKnowledgeBaseConfiguration':{'embeddingModelArn':'amazon.titan-embed-text-v1'}},"
                + "'storageConfiguration':{'type':'RDS','rdsConfiguration':{'tableName':'chunks',"
                + "'fieldMapping':{'textField':'body'}}},'tags':{'team':'a'}}"));
        KnowledgeBaseDefinition d = c.definition();
        assertEquals("amazon.titan-embed-text-v1", d.embeddingModelArn(), "a bare model id passes the pattern");
        assertNull(d.dimensions());
        assertEquals(new KnowledgeBaseDefinition.FieldMapping("chunks", "bedrock-knowledge-base-default-vector",
                "body", "AMAZON_BEDROCK_METADATA"), d.fieldMapping());
        assertEquals(d, KnowledgeBaseBodies.fromStored("kb", KnowledgeBaseBodies.stored(d)));
        assertEquals(KnowledgeBaseDefinition.FieldMapping.DEFAULT, KnowledgeBaseBodies.readUpdate(json("{'name':"
                + "'kb','roleArn':'arn:aws:iam::123456789012:role/r','knowledgeBaseConfiguration':{'type':'VECTOR',"
                + "'vectorKnowledgeBaseConfiguration':{'embeddingModelArn':'amazon.titan-embed-text-v1'}}}"))
                .fieldMapping());
    }

    @Test
    void aDataSourceNamesItsBucketPrefixesAndChunking() {
        DataSourceDefinition d = DataSourceBodies.readCreate(json("{'name':'ds','dataSourceConfiguration':{"
                + "'type':'S3','s3Configuration':{'bucketArn':'arn:aws-cn:s3:::my.bucket-1',"
                + "'inclusionPrefixes':['docs/']}},'vectorIngestionConfiguration':{'chunkingConfiguration':{"
                + "'chunkingStrategy':'FIXED_SIZE','fixedSizeChunkingConfiguration':{'maxTokens':512,"
                + "'overlapPercentage':10}}}}")).definition();
        assertEquals("my.bucket-1", d.bucket());
        assertEquals(List.of("docs/"), d.inclusionPrefixes());
        assertEquals(new DataSourceDefinition.Chunking("FIXED_SIZE", 512, 10), d.chunking());
        assertEquals("DELETE", d.dataDeletionPolicy());
        assertEquals(d, DataSourceBodies.fromStored("ds", DataSourceBodies.stored(d)));
        DataSourceDefinition plain = DataSourceBodies.readUpdate(json("{'name':'ds','dataSourceConfiguration':{"
                + "'type':'S3','s3Configuration':{'bucketArn':'arn:aws:s3:::b12'}},'dataDeletionPolicy':'RETAIN'}"));
        assertEquals(DataSourceDefinition.Chunking.DEFAULT, plain.chunking());
        assertEquals("RETAIN", plain.dataDeletionPolicy());
        BedrockException two = assertThrows(BedrockException.class, () -> DataSourceBodies.readCreate(json(
                "{'name':'ds','dataSourceConfiguration':{'type':'S3','s3Configuration':{'bucketArn':'b',"
                        + "'inclusionPrefixes':['a','b']}}}")));
        assertEquals(true, two.getMessage().startsWith("2 validation errors detected: Value 'b' at"
                + " 'dataSourceConfiguration.s3Configuration.bucketArn'"), two.getMessage());
    }
}
