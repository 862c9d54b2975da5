/**
 * On-demand quotas per model: requests and tokens per minute, as Bedrock's quota table sets them
 * ({@link dev.localbedrock.runtime.quota.Quota}), enforced by a non-blocking limiter
 * ({@link dev.localbedrock.runtime.quota.QuotaLimiter}) that refuses with ThrottlingException.
 */
package dev.localbedrock.runtime.quota;
