/**
 * The browser console at {@code /console/}: static pages and pinned UI libraries served from the jar. The pages call
 * only the server's public APIs (what the console does, an SDK can do); see docs/console.md.
 */
package dev.localbedrock.runtime.console;
