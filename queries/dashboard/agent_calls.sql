-- agent_calls: one row per upset call of agent $agent among the filtered calls, newest first: the
-- call, every practice (as call_facts derives it from the vocabulary) and whether the customer
-- churned within 90 days (NULL while the call's window is still open at the as-of date).
-- Reads: agent_upset_calls (the upset calls in agent order: one agent's calls are a few row
-- groups, not a join over every call), etl_state; the filter macros. Parameters: $agent, $start,
-- $end (dates, NULL = open), $teams, $sites, $channels, $issues (lists, NULL = all), $anger (list
-- of levels). tests/dashboard/filtered_calls.sql is the reference meaning of "the filtered calls"
-- it is checked against, and tests/dashboard/test_mart_queries.py checks it row for row against
-- the same query over call_facts.
SELECT c.call_id, c.started_at, c.customer_id, c.channel, c.issue_type, c.anger_level, c.resolved,
    COLUMNS(practice_pattern()),
    CASE WHEN c.call_date + 90 <= s.as_of
         THEN c.churned_at IS NOT NULL AND c.churned_at <= c.call_date + 90 END AS churned_90d
FROM agent_upset_calls c, etl_state s
WHERE c.agent_id = $agent
  AND ($start IS NULL OR c.call_date >= $start)
  AND ($end IS NULL OR c.call_date <= $end)
  AND in_filters(c.team, c.site, c.channel, c.issue_type, c.anger_level,
                 $teams, $sites, $channels, $issues, $anger)
ORDER BY c.started_at DESC
