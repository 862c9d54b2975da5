package dev.localbedrock.runtime.imaging;

/**
 * Why a job left the planner. When several apply at one step boundary, the first listed here wins: a cancelled
 * request's client is gone, so nothing is reported; a request past its deadline fails even if its last step ran,
 * because the limit covers the whole request (the VAE decode that would follow included).
 */
public enum Retirement {
    /** Cancelled by its client, while waiting or running. */
    CANCELLED,
    /** Its request timeout passed, while waiting or running. */
    TIMED_OUT,
    /** It waited longer than {@code maxQueueWait} for admission (never admitted). */
    WAITED_TOO_LONG,
    /** All its steps ran: its latents are ready for the VAE. */
    FINISHED
}
