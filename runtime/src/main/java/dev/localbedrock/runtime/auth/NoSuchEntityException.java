package dev.localbedrock.runtime.auth;

/** The principal, access key or attached policy named does not exist (IAM's {@code NoSuchEntity}). */
public final class NoSuchEntityException extends RuntimeException {
    public NoSuchEntityException(String message) {
        super(message);
    }
}
