package dev.localbedrock.runtime.events;

/**
 * One event as delivered: its id and its envelope serialized once, so that the file and every webhook get the same
 * bytes (and the same signature input on each retry).
 */
record PublishedEvent(String id, String json) {
}
