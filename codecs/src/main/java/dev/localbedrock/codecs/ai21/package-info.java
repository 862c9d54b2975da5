/** AI21 Labs Jurassic-2 wire format: request validation (penalty objects included) and the completion response. */
package dev.localbedrock.codecs.ai21;
