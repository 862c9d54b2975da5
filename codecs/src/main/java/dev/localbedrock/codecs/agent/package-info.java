/**
 * The bedrock-agent control plane's wire bodies (restJson1, API 2023-06-05): knowledge bases and their data sources,
 * read with every constraint of the service model checked and written as the SDKs parse them. No storage and no
 * service logic: the runtime decides what a valid definition means for the models it serves.
 */
package dev.localbedrock.codecs.agent;
