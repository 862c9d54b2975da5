/** Meta Llama 2 wire format: request validation, response and stream chunk JSON. */
package dev.localbedrock.codecs.llama;
