package dev.localbedrock.runtime.cli;

import dev.localbedrock.runtime.auth.IamNames;
import dev.localbedrock.runtime.iam.PolicyDocument;
import dev.localbedrock.runtime.iam.PolicyValidationException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A policy document read from a file and validated before anything is changed, so a bad file changes nothing.
 * Its name is {@code --name}, else the file's name without {@code .json}.
 */
record PolicyFile(String name, String json) {
    static PolicyFile read(Path file, String name) {
        String policyName = name != null ? name : defaultName(file);
        try {
            IamNames.checkPolicyName(policyName);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + (name == null ? " (named after " + file
                    + "; give --name)" : ""));
        }
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the policy file " + file + ": " + e.getMessage(), e);
        }
        try {
            PolicyDocument.parse(policyName, json);
        } catch (PolicyValidationException e) {
            throw new IllegalArgumentException("the policy file " + file + " is not a valid policy: "
                    + e.getMessage(), e);
        }
        return new PolicyFile(policyName, json);
    }

    private static String defaultName(Path file) {
        String base = file.getFileName().toString();
        return base.endsWith(".json") ? base.substring(0, base.length() - ".json".length()) : base;
    }
}
