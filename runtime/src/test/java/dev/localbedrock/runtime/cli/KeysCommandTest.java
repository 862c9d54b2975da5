package dev.localbedrock.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.auth.PrincipalDirectory;
import dev.localbedrock.runtime.auth.SecretSealer;
import dev.localbedrock.runtime.state.StateStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code keys} and {@code policies} run in-process on the state database a models.yaml names. */
class KeysCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String POLICY = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
            + "\"Action\":\"bedrock:InvokeModel\",\"Resource\":\"*\"}]}";
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private Path config() throws Exception {
        Files.createDirectories(dir.resolve("m"));
        Path file = dir.resolve("models.yaml");
        if (!Files.exists(file)) {
            Files.writeString(file, "models:\n  - id: meta.llama2-13b-chat-v1\n    source: m\n");
        }
        return file;
    }

    private Run run(String... args) throws Exception {
        String[] full = new String[args.length + 2];
        System.arraycopy(args, 0, full, 0, args.length);
        full[args.length] = "--config";
        full[args.length + 1] = config().toString();
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(full);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void createPrintsTheSecretOnceAndListNeverShowsIt() throws Exception {
        Path policy = Files.writeString(dir.resolve("invoke-only.json"), POLICY);
        Run created = run("keys", "create", "--principal", "alice", "--policy", policy.toString(), "--json");
        assertEquals(0, created.exit, created.err);
        JsonNode key = JSON.readTree(created.out);
        String id = key.get("accessKeyId").asText();
        String secret = key.get("secretAccessKey").asText();
        assertTrue(id.matches("AKIA[A-Z2-7]{16}"), id);
        assertEquals(40, secret.length());
        assertEquals("arn:aws:iam::000000000000:user/alice", key.get("principalArn").asText());

        Run listed = run("keys", "list", "--json");
        assertEquals(0, listed.exit, listed.err);
        assertFalse(listed.out.contains(secret));
        JsonNode keys = JSON.readTree(listed.out);
        assertEquals(1, keys.size());
        assertEquals(id, keys.get(0).get("accessKeyId").asText());
        assertEquals("Active", keys.get(0).get("status").asText());
        assertFalse(keys.get(0).has("secretAccessKey"));
        Run table = run("keys", "list", "--principal", "alice");
        assertTrue(table.out.contains(id) && !table.out.contains(secret), table.out);

        Run policies = run("policies", "list", "--principal", "alice", "--json");
        assertEquals(0, policies.exit, policies.err);
        JsonNode attached = JSON.readTree(policies.out);
        assertEquals("invoke-only", attached.get(0).get("policyName").asText());
        assertEquals("bedrock:InvokeModel",
                attached.get(0).get("policyDocument").get("Statement").get(0).get("Action").asText());

        // what a server on the same database resolves
        String url = "jdbc:sqlite:" + dir.resolve(".local-bedrock/state/control-plane.db");
        try (StateStore state = StateStore.open(url)) {
            PrincipalDirectory directory = new PrincipalDirectory(state.security(), SecretSealer.forState(url));
            assertEquals(secret, directory.find(id).orElseThrow().secretAccessKey());
            assertEquals(1, directory.policiesOf("arn:aws:iam::000000000000:user/alice").size());
        }
    }

    @Test
    void disableEnableAndDeleteShowInTheList() throws Exception {
        String id = JSON.readTree(run("keys", "create", "--principal", "bob", "--json").out)
                .get("accessKeyId").asText();
        assertEquals(0, run("keys", "disable", id).exit);
        assertEquals("Inactive", JSON.readTree(run("keys", "list", "--json").out).get(0).get("status").asText());
        assertEquals(0, run("keys", "enable", id).exit);
        assertEquals("Active", JSON.readTree(run("keys", "list", "--json").out).get(0).get("status").asText());
        assertEquals(0, run("keys", "delete", id).exit);
        assertEquals(0, JSON.readTree(run("keys", "list", "--json").out).size());
        Run again = run("keys", "delete", id);
        assertEquals(1, again.exit);
        assertTrue(again.err.contains(id) && again.err.contains("cannot be found"), again.err);
    }

    @Test
    void aMalformedPolicyIsRefusedAndChangesNothing() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"Version\":\"2012-10-17\",\"Statement\":"
                + "[{\"Effect\":\"Allow\",\"Action\":\"bedrock:InvokeModel\"}]}");
        Run refused = run("keys", "create", "--principal", "carol", "--policy", bad.toString());
        assertNotEquals(0, refused.exit);
        assertTrue(refused.err.contains("bad.json") && refused.err.contains("Resource"), refused.err);
        assertEquals(0, JSON.readTree(run("keys", "list", "--json").out).size(), "no key was created");

        Path notJson = Files.writeString(dir.resolve("notjson.json"), "{\"Statement\": [");
        Run attach = run("policies", "attach", "--principal", "carol", "--file", notJson.toString());
        assertNotEquals(0, attach.exit);
        assertTrue(attach.err.contains("Syntax errors in policy"), attach.err);
        Run missing = run("policies", "list", "--principal", "carol");
        assertNotEquals(0, missing.exit, "the refused attach did not create the principal either");

        Path good = Files.writeString(dir.resolve("p.json"), POLICY);
        assertEquals(0, run("policies", "attach", "--principal", "carol", "--file", good.toString(),
                "--name", "Invoke").exit);
        assertTrue(run("policies", "list", "--principal", "carol").out.contains("Invoke"));
        assertEquals(0, run("policies", "detach", "--principal", "carol", "--name", "Invoke").exit);
        assertEquals("[]", run("policies", "list", "--principal", "carol", "--json").out.trim());
        assertEquals(1, run("policies", "detach", "--principal", "carol", "--name", "Invoke").exit);
        Run badName = run("keys", "create", "--principal", "not a name");
        assertEquals(1, badName.exit);
        assertTrue(badName.err.contains("invalid principal name"), badName.err);
    }

    @Test
    void createSessionIssuesTemporaryCredentials() throws Exception {
        run("keys", "create", "--principal", "dave");
        Run session = run("keys", "create-session", "--principal", "dave", "--duration-seconds", "900", "--json");
        assertEquals(0, session.exit, session.err);
        JsonNode credentials = JSON.readTree(session.out);
        assertTrue(credentials.get("accessKeyId").asText().startsWith("ASIA"));
        assertTrue(credentials.get("sessionToken").asText().length() > 100);
        assertTrue(credentials.has("expiration"));
        Run tooShort = run("keys", "create-session", "--principal", "dave", "--duration-seconds", "60");
        assertEquals(1, tooShort.exit);
        assertTrue(tooShort.err.contains("durationSeconds"), tooShort.err);
        assertTrue(run("keys", "list", "--principal", "dave").out.contains("temporary"));
    }
}
