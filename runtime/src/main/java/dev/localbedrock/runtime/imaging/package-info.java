/**
 * Image generation scheduling: image requests wait in their own queue and their denoising steps are interleaved, so
 * one UNet call per step serves several requests. {@code ImageStepPlanner} decides each step from counts alone (steps
 * left, UNet rows per step, the clock), in the way {@code generation.BatchPlanner} does for text; {@code ImageWorker}
 * is the scheduler thread that drives it: it runs the UNet (one call per latent size per step), keeps each image's
 * latent and noise in an engine {@code DenoisingState}, and decodes finished requests to PNG.
 *
 * <p>May depend on the neutral request and result types of {@code codecs} and on {@code engines.diffusion}; never on
 * {@code http}.
 */
package dev.localbedrock.runtime.imaging;
