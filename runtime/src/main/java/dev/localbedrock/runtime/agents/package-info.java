/**
 * Agents (bedrock-agent): definitions, action groups and their schemas, knowledge-base associations, PrepareAgent,
 * numbered versions and aliases, and the snapshot an invocation runs ({@link dev.localbedrock.runtime.agents.AgentSnapshot}).
 */
package dev.localbedrock.runtime.agents;
