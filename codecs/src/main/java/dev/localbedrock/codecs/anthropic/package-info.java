/**
 * Anthropic Claude text-completions wire format on Bedrock: request validation (including the
 * {@code "\n\nHuman: … \n\nAssistant:"} prompt rule, strict or lenient), response and stream chunk JSON.
 */
package dev.localbedrock.codecs.anthropic;
