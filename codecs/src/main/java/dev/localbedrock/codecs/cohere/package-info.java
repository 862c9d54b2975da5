/** Cohere wire formats on Bedrock: request validation, response and stream chunk JSON. */
package dev.localbedrock.codecs.cohere;
