package dev.localbedrock.runtime.invocationlog;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The guide's delivery metrics (namespace AWS/Bedrock, across all model ids), counted in records: a success is a
 * record written to its destination, a failure is a record in an attempt that failed (so one record retried three
 * times before it lands counts three failures and one success). {@code dropped} counts records given up on: the
 * buffer was full, or retries ran past the maximum age.
 */
public final class DeliveryCounters {
    final AtomicLong s3Success = new AtomicLong();
    final AtomicLong s3Failure = new AtomicLong();
    final AtomicLong cloudWatchSuccess = new AtomicLong();
    final AtomicLong cloudWatchFailure = new AtomicLong();
    final AtomicLong largeDataSuccess = new AtomicLong();
    final AtomicLong largeDataFailure = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();

    /** ModelInvocationLogsS3DeliverySuccess. */
    public long s3DeliverySuccess() {
        return s3Success.get();
    }

    /** ModelInvocationLogsS3DeliveryFailure. */
    public long s3DeliveryFailure() {
        return s3Failure.get();
    }

    /** ModelInvocationLogsCloudWatchDeliverySuccess. */
    public long cloudWatchDeliverySuccess() {
        return cloudWatchSuccess.get();
    }

    /** ModelInvocationLogsCloudWatchDeliveryFailure. */
    public long cloudWatchDeliveryFailure() {
        return cloudWatchFailure.get();
    }

    /** ModelInvocationLargeDataS3DeliverySuccess (bodies over 100 KB written as objects of their own). */
    public long largeDataS3DeliverySuccess() {
        return largeDataSuccess.get();
    }

    /** ModelInvocationLargeDataS3DeliveryFailure. */
    public long largeDataS3DeliveryFailure() {
        return largeDataFailure.get();
    }

    /** Records not delivered at all (buffer full, or undeliverable for longer than the maximum age). */
    public long dropped() {
        return dropped.get();
    }
}
