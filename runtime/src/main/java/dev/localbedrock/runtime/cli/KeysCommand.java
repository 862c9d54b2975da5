package dev.localbedrock.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.runtime.auth.AccessKeyInfo;
import dev.localbedrock.runtime.auth.IssuedCredentials;
import dev.localbedrock.runtime.auth.SecurityStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code bedrock-runtime keys create|list|disable|enable|delete|create-session}: access keys in the state
 * database. The secret is printed once, by the command that creates it; listings never show it.
 */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Create, list, disable, enable or delete access keys (SigV4 credentials).",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Disable.class,
                KeysCommand.Enable.class, KeysCommand.Delete.class, KeysCommand.CreateSession.class})
final class KeysCommand implements Runnable {
    static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create an access key for a principal (created when missing); prints the secret once.")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        SecurityState state;
        @Option(names = "--principal", required = true, description = "The principal (IAM user) name.")
        String principal;
        @Option(names = "--policy", description = "A policy document (JSON) to attach, named after the file.")
        Path policy;
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            PolicyFile file = policy == null ? null : PolicyFile.read(policy, null);
            try (SecurityState.Opened opened = state.open()) {
                opened.security.createPrincipal(principal);
                if (file != null) {
                    opened.security.attachPolicy(principal, file.name(), file.json());
                }
                printIssued(spec, opened.security.createAccessKey(principal), json);
            }
            return 0;
        }
    }

    @Command(name = "create-session", mixinStandardHelpOptions = true,
            description = "Issue temporary credentials (ASIA…, with a session token) acting as a principal.")
    static final class CreateSession implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        SecurityState state;
        @Option(names = "--principal", required = true, description = "The principal (IAM user) name.")
        String principal;
        @Option(names = "--duration-seconds", defaultValue = "43200",
                description = "Lifetime, 900 to 129600 seconds (default: ${DEFAULT-VALUE}).")
        long durationSeconds;
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            try (SecurityState.Opened opened = state.open()) {
                printIssued(spec, opened.security.issueSessionToken(principal,
                        Duration.ofSeconds(durationSeconds)), json);
            }
            return 0;
        }
    }

    static void printIssued(CommandSpec spec, IssuedCredentials issued, boolean json) {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode node = JSON.createObjectNode();
            node.put("accessKeyId", issued.accessKeyId());
            node.put("secretAccessKey", issued.secretAccessKey());
            if (issued.sessionToken() != null) {
                node.put("sessionToken", issued.sessionToken());
            }
            node.put("principalArn", issued.principalArn());
            if (issued.expiresAt() != null) {
                node.put("expiration", issued.expiresAt().toString());
            }
            out.println(node.toString());
        } else {
            out.println("AccessKeyId:     " + issued.accessKeyId());
            out.println("SecretAccessKey: " + issued.secretAccessKey());
            if (issued.sessionToken() != null) {
                out.println("SessionToken:    " + issued.sessionToken());
                out.println("Expiration:      " + issued.expiresAt());
            }
            out.println("PrincipalArn:    " + issued.principalArn());
        }
        out.flush();
        spec.commandLine().getErr().println("note: the secret is shown only now; it cannot be read back later");
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List access keys (never their secrets).")
    static final class ListKeys implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        SecurityState state;
        @Option(names = "--principal", description = "Only this principal's keys.")
        String principal;
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            List<AccessKeyInfo> keys;
            try (SecurityState.Opened opened = state.open()) {
                keys = opened.security.listAccessKeys(principal);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                ArrayNode array = JSON.createArrayNode();
                for (AccessKeyInfo key : keys) {
                    ObjectNode node = array.addObject();
                    node.put("accessKeyId", key.accessKeyId());
                    node.put("principalName", key.principalName());
                    node.put("principalArn", key.principalArn());
                    node.put("kind", key.kind().stored());
                    node.put("status", status(key));
                    node.put("createdAt", key.createdAt().toString());
                    if (key.expiresAt() != null) {
                        node.put("expiresAt", key.expiresAt().toString());
                    }
                }
                out.println(array.toString());
            } else {
                String format = "%-20s  %-24s  %-9s  %-8s  %-24s  %s%n";
                out.printf(format, "ACCESS KEY ID", "PRINCIPAL", "KIND", "STATUS", "CREATED", "EXPIRES");
                for (AccessKeyInfo key : keys) {
                    out.printf(format, key.accessKeyId(), key.principalName(), key.kind().stored(), status(key),
                            key.createdAt(), key.expiresAt() == null ? "-" : key.expiresAt());
                }
            }
            out.flush();
            return 0;
        }

        /** IAM's words for a key's status. */
        private static String status(AccessKeyInfo key) {
            return key.enabled() ? "Active" : "Inactive";
        }
    }

    abstract static class OneKey implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        SecurityState state;
        @Parameters(index = "0", description = "The access key id.")
        String accessKeyId;

        abstract String apply(SecurityStore security);

        @Override
        public Integer call() {
            try (SecurityState.Opened opened = state.open()) {
                spec.commandLine().getOut().println(apply(opened.security));
            }
            return 0;
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true,
            description = "Disable an access key: requests signed with it are refused.")
    static final class Disable extends OneKey {
        @Override
        String apply(SecurityStore security) {
            security.setAccessKeyEnabled(accessKeyId, false);
            return "disabled " + accessKeyId;
        }
    }

    @Command(name = "enable", mixinStandardHelpOptions = true, description = "Enable a disabled access key.")
    static final class Enable extends OneKey {
        @Override
        String apply(SecurityStore security) {
            security.setAccessKeyEnabled(accessKeyId, true);
            return "enabled " + accessKeyId;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete an access key for good.")
    static final class Delete extends OneKey {
        @Override
        String apply(SecurityStore security) {
            security.deleteAccessKey(accessKeyId);
            return "deleted " + accessKeyId;
        }
    }
}
