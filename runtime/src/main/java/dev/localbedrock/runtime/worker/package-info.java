/**
 * The thread a model worker runs on and how it stops (close, grace period, abort, interrupt), shared by the text and
 * embedding workers. Depends on nothing else of the runtime; the worker's own loop runs on the thread it starts.
 */
package dev.localbedrock.runtime.worker;
