-- agent_calls: one row per upset call of agent $agent among the filtered calls, newest first: the
-- call, every practice (as call_facts derives it from the vocabulary) and whether the customer
-- churned within 90 days (NULL while the call's window is still open at the as-of date).
-- Reads: call_facts, etl_state; the filter macros. Parameters: $agent, $start, $end (dates,
-- NULL = open), $teams, $sites, $channels, $issues (lists, NULL = all), $anger (list of levels).
-- tests/dashboard/filtered_calls.sql is the reference meaning of "the filtered calls" it is
-- checked against.
SELECT c.call_id, c.started_at, c.customer_id, c.channel, c.issue_type, c.anger_level, c.resolved,
    COLUMNS(practice_pattern()),
    CASE WHEN c.call_date + 90 <= s.as_of
         THEN c.churned_at IS NOT NULL AND c.churned_at <= c.call_date + 90 END AS churned_90d
FROM call_facts c, etl_state s
WHERE c.agent_id = $agent AND c.is_upset
  AND ($start IS NULL OR c.call_date >= $start)
  AND ($end IS NULL OR c.call_date <= $end)
  AND in_filters(c.team, c.site, c.channel, c.issue_type, c.anger_level,
                 $teams, $sites, $channels, $issues, $anger)
  AND (c.churned_at IS NULL OR c.churned_at >= c.call_date)
ORDER BY c.started_at DESC
