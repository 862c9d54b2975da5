package dev.localbedrock.runtime.state;

/** An agent's child tables, which share one shape (see V7__agents.sql). */
public enum AgentPartKind {
    ACTION_GROUP("agent_action_groups"),
    KNOWLEDGE_BASE("agent_knowledge_bases"),
    ALIAS("agent_aliases");

    final String table;

    AgentPartKind(String table) {
        this.table = table;
    }
}
