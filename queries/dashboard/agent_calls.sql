-- agent_calls: one row per upset call of agent $agent in the filtered calls, newest first.
-- Reads: queries/dashboard/filtered_calls (inlined). Parameters: as filtered_calls, and $agent.
WITH calls AS (
    {filtered_calls}
)
SELECT call_id, started_at, customer_id, channel, issue_type, anger_level, resolved,
    let_vent, empathized, apologized, took_ownership, offered_options, followup_within_30d AS followed_up,
    churned_90d
FROM calls
WHERE is_upset AND agent_id = $agent
ORDER BY started_at DESC
