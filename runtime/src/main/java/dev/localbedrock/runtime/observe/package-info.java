/**
 * Observation of API calls: the {@link dev.localbedrock.runtime.observe.CompletedCall} the HTTP layer builds for every
 * call, and the {@link dev.localbedrock.runtime.observe.CallListener}s (metrics, audit trail, invocation logging) it
 * is handed to. Listeners never block the call path.
 */
package dev.localbedrock.runtime.observe;
