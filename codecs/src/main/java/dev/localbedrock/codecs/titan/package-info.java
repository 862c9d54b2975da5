/** Amazon Titan wire formats: Titan Embeddings G1 - Text request validation and response JSON. */
package dev.localbedrock.codecs.titan;
