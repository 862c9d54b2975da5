/**
 * The Bedrock wire, family-neutral side: the request/outcome types the runtime works with, AWS error bodies,
 * the family codec registry ({@link dev.localbedrock.codecs.TextFamilies}) and the shared Jackson setup.
 * Pure Jackson: nothing here knows about Netty or the engines.
 */
package dev.localbedrock.codecs;
