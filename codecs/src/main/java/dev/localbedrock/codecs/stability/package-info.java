/** Stability AI wire formats: the Stable Diffusion XL text-to-image body and its artifacts response. */
package dev.localbedrock.codecs.stability;
