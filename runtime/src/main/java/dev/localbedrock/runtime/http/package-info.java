/**
 * The HTTP front: the Netty server for HTTP/1.1 and h2c, connection guards and deadlines, the per-request
 * {@code RequestPipeline}, the {@code OperationTable} that names each operation, the handler that decodes a body
 * with its family's codec and hands the neutral request to a model, and the responders that encode results (unary
 * bodies and event-stream chunks) and AWS-shaped errors.
 *
 * <p>May depend on {@code codecs}, {@code catalog}, {@code generation} (to submit to a worker) and the service
 * package ({@code ServedModel}, {@code ShutdownGate}); the scheduler never depends on it.
 *
 * <p>Threads: the Netty event loops run every handler and every write and must never block, parse a body or run a
 * model; body decoding and tokenization go to the {@code request-decode-N} threads ({@code DecodeExecutor}); model
 * callbacks arrive on the model threads and {@code Responder} re-posts them to the connection's event loop.
 */
package dev.localbedrock.runtime.http;
