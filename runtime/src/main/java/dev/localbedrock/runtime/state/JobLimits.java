package dev.localbedrock.runtime.state;

/**
 * The account's limits a new customization job is checked against inside the transaction that stores it, so that
 * replicas creating jobs at once cannot pass them together.
 *
 * @param maxActive jobs in progress (or stopping) at once
 * @param maxModels custom models plus the jobs in progress that will make one
 */
public record JobLimits(int maxActive, int maxModels) {
}
