package dev.localbedrock.runtime.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The compiled automaton on hand-written inputs: complete values accepted, valid prefixes kept, the rest refused. */
class SchemaGrammarTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static GrammarState run(String schema, String text) {
        try {
            JsonNode node = JSON.readTree(schema);
            return GrammarState.start(SchemaCompiler.compile(node)).advance(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void accepts(String schema, String... texts) {
        for (String t : texts) {
            GrammarState s = run(schema, t);
            assertTrue(s != null && s.isAccepting(), "should accept " + t + " for " + schema);
        }
    }

    private static void prefixOnly(String schema, String... texts) {
        for (String t : texts) {
            GrammarState s = run(schema, t);
            assertTrue(s != null && !s.isAccepting(), "should be an incomplete prefix: " + t + " for " + schema);
        }
    }

    private static void rejects(String schema, String... texts) {
        for (String t : texts) {
            assertNull(run(schema, t), "should refuse " + t + " for " + schema);
        }
    }

    @Test
    void objectsKeepSchemaOrderRequiredAndOptionalMembers() {
        String schema = """
                {"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"},"c":{"type":"boolean"}},
                 "required":["b"]}""";
        accepts(schema, "{\"b\":\"\"}", "{\"a\":1,\"b\":\"x\"}", "{\"a\":-20,\"b\":\"x\",\"c\":true}",
                "{\"b\":\"y\",\"c\":false}");
        prefixOnly(schema, "{", "{\"a\":1", "{\"a\":1,", "{\"b\":\"unterminated");
        rejects(schema, "{}", "{\"c\":true}", "{\"b\":\"x\",\"a\":1}", "{\"a\":1,\"a\":2", "{ \"b\":\"x\"}",
                "{\"b\":\"x\",}", "{\"d\":1", "{\"a\":01", "{\"a\":1.5");
    }

    @Test
    void anObjectWithoutPropertiesTakesAnyMembersButNotWhenClosed() {
        accepts("{\"type\":\"object\"}", "{}", "{\"k\":[1,{\"x\":null}],\"k\":\"again\"}");
        accepts("{\"type\":\"object\",\"additionalProperties\":false}", "{}");
        rejects("{\"type\":\"object\",\"additionalProperties\":false}", "{\"");
        accepts("{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}}", "{\"n\":3,\"m\":4}");
        rejects("{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}}", "{\"n\":\"");
    }

    @Test
    void stringsEscapeProperlyAndCountCharacters() {
        String any = "{\"type\":\"string\"}";
        accepts(any, "\"\"", "\"a\\\"b\\\\c\\/\\b\\f\\n\\r\\t\"", "\"\\u00e9\\uD7FF\"", "\"é€😀\"");
        rejects(any, "\"\n", "\"\t", "\"\\x", "\"\\uD800", "\"\\udfff", "'a'", "\"a\"\"");
        rejects(any, "\"\u0001");
        String bounded = "{\"type\":\"string\",\"minLength\":2,\"maxLength\":3}";
        accepts(bounded, "\"ab\"", "\"a\\nc\"", "\"éé\"", "\"abc\"");
        prefixOnly(bounded, "\"a");
        rejects(bounded, "\"a\"", "\"abcd");
        // a single character is one code point even when it takes four bytes
        accepts("{\"type\":\"string\",\"maxLength\":1}", "\"😀\"");
        rejects("{\"type\":\"string\",\"maxLength\":1}", "\"😀a");
    }

    @Test
    void numbersFollowTheJsonGrammarWithBoundedLength() {
        String number = "{\"type\":\"number\"}";
        accepts(number, "0", "-0", "12", "3.25", "-1e5", "6.02E+23", "1.5e-07");
        prefixOnly(number, "-", "1.", "1e", "1e+");
        rejects(number, "01", "+1", ".5", "1.e3", "1e+-2", "1e123", "NaN", "1.0.0");
        accepts(number, "1234567890123456");
        rejects(number, "12345678901234567");
        String integer = "{\"type\":\"integer\"}";
        accepts(integer, "0", "-7", "123456789012345678");
        rejects(integer, "1.0", "1e3", "00", "1234567890123456789");
        rejects("{\"type\":\"integer\",\"minimum\":0}", "-");
    }

    @Test
    void arraysHonourItemCounts() {
        String schema = "{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":1,\"maxItems\":3}";
        accepts(schema, "[0]", "[1,2]", "[1,2,3]");
        prefixOnly(schema, "[", "[1,");
        rejects(schema, "[]", "[1,2,3,", "[1,]", "[\"a\"]");
        accepts("{\"type\":\"array\"}", "[]", "[1,\"a\",[],{}]");
        accepts("{\"type\":\"array\",\"maxItems\":0}", "[]");
        rejects("{\"type\":\"array\",\"maxItems\":0}", "[1");
    }

    @Test
    void enumsConstsAnyOfAndTypeArrays() {
        accepts("{\"enum\":[\"red\",\"green\",1,null,{\"a\":[true]}]}", "\"red\"", "\"green\"", "1", "null",
                "{\"a\":[true]}");
        rejects("{\"enum\":[\"red\",\"green\"]}", "\"blue", "\"re\"");
        prefixOnly("{\"enum\":[\"red\",\"reddish\"]}", "\"red");
        accepts("{\"const\":\"get_weather\"}", "\"get_weather\"");
        String anyOf = "{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"null\"}},"
                + "\"required\":[\"x\"]}]}";
        accepts(anyOf, "5", "{\"x\":null}");
        rejects(anyOf, "\"", "{\"x\":1");
        accepts("{\"type\":[\"string\",\"null\"]}", "null", "\"s\"");
        rejects("{\"type\":[\"string\",\"null\"]}", "1");
        accepts("{\"type\":\"string\",\"nullable\":true}", "null");
        accepts("{\"enum\":[1,\"a\",2.5],\"type\":\"integer\"}", "1");
        rejects("{\"enum\":[1,\"a\",2.5],\"type\":\"integer\"}", "\"", "2");
        accepts("{\"type\":\"boolean\"}", "true", "false");
    }

    @Test
    void refsToDefsIncludingRecursion() {
        String tree = """
                {"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},
                 "kids":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["v"]}},
                 "$ref":"#/$defs/node"}""";
        accepts(tree, "{\"v\":1}", "{\"v\":1,\"kids\":[{\"v\":2,\"kids\":[]},{\"v\":3}]}");
        rejects(tree, "{\"v\":1,\"kids\":[{}", "{\"kids\"");
        accepts("{\"definitions\":{\"b\":{\"type\":\"boolean\"}},\"type\":\"array\",\"items\":{\"$ref\":\"#/definitions/b\"}}",
                "[true,false]");
    }

    @Test
    void anEmptySchemaIsAnyJsonValue() {
        for (String schema : new String[] {"{}", "true"}) {
            accepts(schema, "null", "[]", "{\"a\":{\"b\":[1,2.5,\"x\",false]}}", "-3e2", "\"\"");
            rejects(schema, "nul ", "{a:1}", "[1 ]", "undefined");
        }
    }

    @Test
    void completeMeansOnlyEndOfSequenceMayFollow() {
        GrammarState obj = run("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"boolean\"}}}", "{\"a\":true}");
        assertNotNull(obj);
        assertTrue(obj.isComplete());
        GrammarState num = run("{\"type\":\"integer\"}", "12");
        assertTrue(num.isAccepting());
        assertFalse(num.isComplete(), "more digits may follow");
        assertEquals(0, num.minBytesToFinish());
        assertEquals("{\"a\":\"\"}".length(), run("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},"
                + "\"required\":[\"a\"]}", "").minBytesToFinish());
        assertEquals(2, run("{\"type\":\"array\",\"items\":{\"type\":\"array\"}}", "[[").minBytesToFinish());
    }

    @Test
    void unsupportedOrUnsatisfiableSchemasAreRefusedByName() {
        assertMessage("{\"type\":\"string\",\"pattern\":\"^a$\"}", "'pattern'");
        assertMessage("{\"type\":\"array\",\"uniqueItems\":true}", "'uniqueItems'");
        assertMessage("{\"not\":{}}", "'not'");
        assertMessage("{\"type\":\"number\",\"multipleOf\":2}", "'multipleOf'");
        assertMessage("false", "false");
        assertMessage("{\"$ref\":\"http://example.com/s.json\"}", "$ref");
        assertMessage("{\"anyOf\":[{\"$ref\":\"#\"},{\"type\":\"null\"}]}", "left-recursive");
        assertMessage("{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#\"}},\"required\":[\"a\"]}",
                "no finite JSON value");
        assertMessage("{\"type\":\"strange\"}", "strange");
        assertMessage("{\"type\":\"array\",\"maxItems\":100000}", "maxItems");
    }

    private static void assertMessage(String schema, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run(schema, ""));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
