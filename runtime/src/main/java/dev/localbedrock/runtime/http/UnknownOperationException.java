package dev.localbedrock.runtime.http;

/**
 * A request line that names no operation of the served APIs (an unknown path, or a known path with the wrong
 * method). Answered as AWS does: 404 with {@code x-amzn-ErrorType: UnknownOperationException}.
 */
final class UnknownOperationException extends RuntimeException {
    UnknownOperationException(String message) {
        super(message, null, false, false); // an answer to the client, not a fault: no stack trace to fill
    }
}
