/**
 * Image generation scheduling: image requests wait in their own queue and their denoising steps are interleaved, so
 * one UNet call per step serves several requests. {@code ImageStepPlanner} decides each step from counts alone (steps
 * left, UNet rows per step, the clock), in the way {@code generation.BatchPlanner} does for text; running the UNet,
 * the latents and the listeners belong to the scheduler that drives it.
 *
 * <p>May depend on the neutral result types of {@code codecs} (for {@code InferenceFailure}); never on {@code http}.
 */
package dev.localbedrock.runtime.imaging;
