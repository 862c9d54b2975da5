/**
 * AWS event-stream framing ({@code application/vnd.amazon.eventstream}) for InvokeModelWithResponseStream: the
 * encoder the server frames chunks and stream exceptions with, and the decoder tests and the load harness read them
 * back with.
 */
package dev.localbedrock.codecs.eventstream;
