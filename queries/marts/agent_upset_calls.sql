-- agent_upset_calls: one row per upset call (anger_level >= upset_anger()) up to the as-of date
-- whose customer had not churned before it (a table), stored in agent and start order so that one
-- agent's calls sit in one or two row groups: the agent drill-downs (the dashboard's agent_calls)
-- read an agent's calls from it instead of joining every call through call_facts.
-- agent_id, call_id, started_at, customer_id, the filter dimensions (team as call_facts has it,
-- NULL for an agent without a team; site, channel, issue_type, anger_level, call_date),
-- resolved, churned_at (the customer's churn date), and each practice of the vocabulary as
-- call_facts derives it (NULL = not assessed).
-- Reads: summary_calls. Parameters: none.
SELECT agent_id, call_id, started_at, customer_id, team, site, channel, issue_type, anger_level, call_date,
    resolved, churned_at, COLUMNS(practice_pattern())
FROM summary_calls
WHERE is_upset AND NOT churned_before_call
ORDER BY agent_id, started_at
