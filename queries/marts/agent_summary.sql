-- agent_summary: one row per (team, agent_id, call_month, channel, issue_type, anger_level) of
-- the upset calls (anger_level >= 3) up to the as-of date; the counts behind the overview's
-- team -> agents drill-down. upset_calls, closed_90d, churned_90d and each practice's
-- <practice>_assessed and <practice> as in call_summary. Not sorted: at 2M calls sorting cost the ETL 0.2 s and saved
-- the drill-down almost nothing.
-- Calls of customers recorded as churned before the call are left out, as elsewhere.
-- Reads: summary_calls. Parameters: none.
SELECT coalesce(team, 'unassigned') AS team, agent_id, site,
    call_month, channel, issue_type, anger_level,
    count(*) AS upset_calls,
    count(*) FILTER (window_closed) AS closed_90d,
    count(*) FILTER (window_closed AND churned_at <= call_date + 90) AS churned_90d,
    count(COLUMNS(practice_pattern())) AS '\1_assessed',
    count(nullif(COLUMNS(practice_pattern()), false)) AS '\1'
FROM summary_calls
WHERE is_upset AND NOT churned_before_call
GROUP BY ALL
