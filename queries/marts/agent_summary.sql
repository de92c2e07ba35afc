-- agent_summary: one row per (team, agent_id, call_month, channel, issue_type, anger_level) of
-- the upset calls (anger_level >= 3) up to the as-of date; the counts behind the overview's
-- team -> agents drill-down. upset_calls, closed_90d, churned_90d, took_ownership(_assessed) and
-- followed_up as in call_summary. Not sorted: at 2M calls sorting cost the ETL 0.2 s and saved
-- the drill-down almost nothing.
-- The same calls, flags and 90-day outcome as call_facts and the dashboard's filtered_calls
-- (tests/etl/test_summaries.py checks they agree), read from the tables directly: through
-- the call_facts view DuckDB plans the 2M-row joins badly and the ETL would take 40% longer.
-- Calls of customers recorded as churned before the call are left out, as elsewhere.
-- Reads: calls, customers, agents, call_timing, etl_state. Parameters: none.
WITH followed AS (
    SELECT call_id, first_followup_at FROM call_timing WHERE first_followup_at IS NOT NULL
),
calls_in_scope AS (
    SELECT c.*, a.team, a.site, CAST(c.started_at AS DATE) AS call_date, cu.churned_at,
        CAST(c.started_at AS DATE) + 90 <= (SELECT as_of FROM etl_state) AS window_closed,
        coalesce(cu.churned_at < CAST(c.started_at AS DATE), false) AS churned_before_call,
        coalesce(f.first_followup_at <= c.started_at + INTERVAL 30 DAY, false) AS followup_within_30d
    FROM calls c
    JOIN customers cu USING (customer_id)
    JOIN agents a USING (agent_id)
    LEFT JOIN followed f USING (call_id)
    SEMI JOIN etl_state s ON c.started_at < s.as_of + INTERVAL 1 DAY
    WHERE c.anger_level >= 3
)
SELECT coalesce(team, 'unassigned') AS team, agent_id, site,
    CAST(date_trunc('month', started_at) AS DATE) AS call_month, channel, issue_type, anger_level,
    count(*) AS upset_calls,
    count(*) FILTER (window_closed) AS closed_90d,
    count(*) FILTER (window_closed AND churned_at <= call_date + 90) AS churned_90d,
    count(took_ownership) AS took_ownership_assessed, count(*) FILTER (took_ownership) AS took_ownership,
    count(*) FILTER (followup_within_30d) AS followed_up
FROM calls_in_scope
WHERE NOT churned_before_call  -- filtered here, not in the join: twice as fast
GROUP BY ALL
