-- agent_calls: one row per upset call of agent $agent in the filtered calls, newest first.
-- The same calls and columns as filtered_calls gives for the agent (tests/dashboard/test_pages.py
-- checks they agree), read from the tables directly: through filtered_calls, every drill-down
-- scanned all of call_timing (2M rows at 2M calls) to find one agent's few hundred calls.
-- followed_up: a follow-up was recorded within 30 days of the call's start.
-- Reads: calls, customers, agents, follow_ups, etl_state. Parameters: as filtered_calls, and $agent.
WITH mine AS (
    SELECT c.*, CAST(c.started_at AS DATE) AS call_date
    FROM calls c
    WHERE c.agent_id = $agent AND c.anger_level >= 3
      AND c.started_at < (SELECT as_of FROM etl_state) + INTERVAL 1 DAY
),
filtered AS (
    SELECT m.*, cu.churned_at
    FROM mine m
    JOIN customers cu USING (customer_id)
    JOIN agents a USING (agent_id)
    WHERE ($start IS NULL OR m.call_date >= $start)
      AND ($end IS NULL OR m.call_date <= $end)
      AND ($teams IS NULL OR list_contains($teams, a.team))
      AND ($sites IS NULL OR list_contains($sites, a.site))
      AND ($channels IS NULL OR list_contains($channels, m.channel))
      AND ($issues IS NULL OR list_contains($issues, m.issue_type))
      AND ($anger IS NULL OR list_contains($anger, m.anger_level))
      AND (cu.churned_at IS NULL OR cu.churned_at >= m.call_date)
)
SELECT call_id, started_at, customer_id, channel, issue_type, anger_level, resolved,
    let_vent, empathized, apologized, took_ownership, options_offered >= 2 AS offered_options,
    EXISTS (SELECT 1 FROM follow_ups f WHERE f.call_id = c.call_id AND f.followup_at >= c.started_at
            AND f.followup_at <= c.started_at + INTERVAL 30 DAY) AS followed_up,
    CASE WHEN call_date + 90 <= (SELECT as_of FROM etl_state)
         THEN churned_at IS NOT NULL AND churned_at <= call_date + 90 END AS churned_90d
FROM filtered c
ORDER BY started_at DESC
