/**
 * Object storage: {@link dev.localbedrock.runtime.storage.ObjectStore} by bucket and key, either an S3-compatible
 * endpoint through the AWS SDK or a local folder with the same layout. The one way the server reads and writes
 * S3 data (invocation logs, and later customization and knowledge-base data).
 */
package dev.localbedrock.runtime.storage;
