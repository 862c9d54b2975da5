package dev.localbedrock.runtime.iam;

/**
 * A policy document that IAM would refuse ({@code MalformedPolicyDocument}). The message names the statement and
 * the element at fault, so the CLI that attaches policies can print it as it is.
 */
public final class PolicyValidationException extends Exception {
    public PolicyValidationException(String message) {
        super(message);
    }
}
