package dev.localbedrock.knowledge.vector;

/** An existing index was opened with a spec other than the one it was created with. */
public final class IndexSpecMismatchException extends IllegalStateException {
    public IndexSpecMismatchException(String message) {
        super(message);
    }
}
