-- agent_summary: one row per (team, agent_id, call_month, channel, issue_type, anger_level) of
-- the upset calls (anger_level >= 3) up to the as-of date; the counts behind the overview's
-- team -> agents drill-down (queries/dashboard/team_agents.sql), and only what it shows:
-- upset_calls, closed_90d, churned_90d as in call_summary, and two practices,
-- took_ownership_assessed / took_ownership (calls on which taking ownership was recorded / used)
-- and followed_up (calls with a follow-up within the window). Narrow because its grain is close
-- to a row per upset call: with every practice's two counts it cost the load twice as much to
-- write (1.05 against 0.50 CPU s at 1M calls). Per-agent adoption of every practice:
-- agent_practice_days or agent_upset_calls. Not sorted: at 2M calls sorting cost the ETL 0.2 s
-- and saved the drill-down almost nothing.
-- Calls of customers recorded as churned before the call are left out, as elsewhere.
-- Reads: summary_calls. Parameters: none.
SELECT coalesce(team, 'unassigned') AS team, agent_id, site,
    call_month, channel, issue_type, anger_level,
    count(*) AS upset_calls,
    count(*) FILTER (window_closed) AS closed_90d,
    count(*) FILTER (window_closed AND churned_at <= call_date + 90) AS churned_90d,
    count(took_ownership) AS took_ownership_assessed,
    count(*) FILTER (took_ownership) AS took_ownership,
    count(*) FILTER (followed_up) AS followed_up
FROM summary_calls
WHERE is_upset AND NOT churned_before_call
GROUP BY coalesce(team, 'unassigned'), agent_id, site, call_month, channel, issue_type, anger_level
