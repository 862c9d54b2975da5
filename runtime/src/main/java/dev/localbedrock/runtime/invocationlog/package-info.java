/**
 * Model invocation logging (Bedrock's Settings → Model invocation logging): the configuration, the call listener
 * that takes invocations off the call path, and delivery to S3 (gzip JSON-lines objects) and to a CloudWatch Logs
 * layout on disk, with the 100 KB large-body rule. See docs/invocation-logging.md.
 */
package dev.localbedrock.runtime.invocationlog;
