package dev.localbedrock.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.runtime.state.PolicyRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import static dev.localbedrock.runtime.cli.KeysCommand.JSON;

/**
 * {@code bedrock-runtime policies attach|detach|list}: the identity policies attached to a principal, validated as
 * IAM validates them before they are stored.
 */
@Command(name = "policies", mixinStandardHelpOptions = true,
        description = "Attach, detach or list a principal's IAM-style identity policies.",
        subcommands = {PoliciesCommand.Attach.class, PoliciesCommand.Detach.class, PoliciesCommand.ListPolicies.class})
final class PoliciesCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "attach", mixinStandardHelpOptions = true,
            description = "Attach a policy document (replacing one of the same name); creates the principal"
                    + " when missing.")
    static final class Attach implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        SecurityState state;
        @Option(names = "--principal", required = true, description = "The principal (IAM user) name.")
        String principal;
        @Option(names = "--file", required = true, description = "The policy document (JSON).")
        Path file;
        @Option(names = "--name", description = "The policy's name (default: the file name without .json).")
        String name;

        @Override
        public Integer call() throws Exception {
            PolicyFile policy = PolicyFile.read(file, name);
            try (SecurityState.Opened opened = state.open()) {
                opened.security.createPrincipal(principal);
                opened.security.attachPolicy(principal, policy.name(), policy.json());
            }
            spec.commandLine().getOut().println("attached " + policy.name() + " to " + principal);
            return 0;
        }
    }

    @Command(name = "detach", mixinStandardHelpOptions = true, description = "Detach a policy from a principal.")
    static final class Detach implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        SecurityState state;
        @Option(names = "--principal", required = true, description = "The principal (IAM user) name.")
        String principal;
        @Option(names = "--name", required = true, description = "The policy's name.")
        String name;

        @Override
        public Integer call() {
            try (SecurityState.Opened opened = state.open()) {
                opened.security.detachPolicy(principal, name);
            }
            spec.commandLine().getOut().println("detached " + name + " from " + principal);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List a principal's policies.")
    static final class ListPolicies implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        SecurityState state;
        @Option(names = "--principal", required = true, description = "The principal (IAM user) name.")
        String principal;
        @Option(names = "--json", description = "Print JSON, documents included.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            List<PolicyRecord> policies;
            try (SecurityState.Opened opened = state.open()) {
                policies = opened.security.listPolicies(principal);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                ArrayNode array = JSON.createArrayNode();
                for (PolicyRecord policy : policies) {
                    ObjectNode node = array.addObject();
                    node.put("policyName", policy.policyName());
                    node.put("attachedAt", policy.attachedAt().toString());
                    JsonNode document = JSON.readTree(policy.document());
                    node.set("policyDocument", document);
                }
                out.println(array.toString());
            } else {
                for (PolicyRecord policy : policies) {
                    out.println(policy.policyName() + "  (attached " + policy.attachedAt() + ")");
                }
            }
            out.flush();
            return 0;
        }
    }
}
