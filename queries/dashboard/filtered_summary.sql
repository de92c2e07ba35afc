-- filtered_summary: one row per call_summary cell (month, team, site, channel, issue type, anger
-- level) matching the dashboard's global filters other than the period; the period is left to
-- the query using it, so the headline can also look at the period before.
-- Reads: call_summary. Parameters: $teams, $sites, $channels, $issues (lists, NULL = all),
-- $anger (list of levels, NULL = all).
-- Used as the first CTE of other dashboard queries, never on its own.
SELECT *, anger_level >= 3 AS is_upset
FROM call_summary
WHERE ($teams IS NULL OR list_contains($teams, team))
  AND ($sites IS NULL OR list_contains($sites, site))
  AND ($channels IS NULL OR list_contains($channels, channel))
  AND ($issues IS NULL OR list_contains($issues, issue_type))
  AND ($anger IS NULL OR list_contains($anger, anger_level))
