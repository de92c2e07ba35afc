-- filtered_calls: one row per call matching the dashboard's global filters, with its 90-day outcome.
-- churned_90d is NULL while the call's 90-day window is still open at the as-of date (counting
-- early churners of open windows would over-state churn in recent months).
-- Reads: call_facts, etl_state. Parameters: $start, $end (dates, NULL = open), $teams, $sites,
-- $channels, $issues (lists, NULL = all), $anger (list of levels, NULL = all).
-- The reference meaning of "the calls the filters select", over the call_facts view, kept for
-- the tests only: the dashboard's queries (the summary marts behind the filtered_summary macro,
-- agent_calls) are tested against it (tests/dashboard/test_pages.py), which takes it in as a CTE.
SELECT c.*,
    CASE WHEN c.call_date + 90 <= s.as_of
         THEN c.churned_at IS NOT NULL AND c.churned_at <= c.call_date + 90 END AS churned_90d
FROM call_facts c, etl_state s
WHERE ($start IS NULL OR c.call_date >= $start)
  AND ($end IS NULL OR c.call_date <= $end)
  AND ($teams IS NULL OR list_contains($teams, c.team))
  AND ($sites IS NULL OR list_contains($sites, c.site))
  AND ($channels IS NULL OR list_contains($channels, c.channel))
  AND ($issues IS NULL OR list_contains($issues, c.issue_type))
  AND ($anger IS NULL OR list_contains($anger, c.anger_level))
  AND (c.churned_at IS NULL OR c.churned_at >= c.call_date)
