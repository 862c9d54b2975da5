package dev.localbedrock.runtime.iam;

/** A statement's {@code Effect}: IAM spells the two values with a capital letter and accepts no other case. */
public enum Effect {
    Allow,
    Deny
}
