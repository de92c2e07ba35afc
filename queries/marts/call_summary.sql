-- call_summary: one row per (call_month, team, site, channel, issue_type, anger_level) of the
-- calls up to the as-of date; the counts behind the overview's headline, trends and team table,
-- so the dashboard sums a few thousand rows instead of joining millions of calls.
-- calls; closed_90d: calls whose 90-day window had closed by the as-of date; churned_90d: of
-- those, how many customers churned within the 90 days. For each practice of the vocabulary,
-- <practice>_assessed (calls on which it was recorded or derived) and <practice> (calls where it
-- was used), as call_facts derives them.
-- Calls of customers recorded as churned before the call are left out, as elsewhere.
-- Reads: summary_calls. Parameters: none.
SELECT call_month,
    coalesce(team, 'unassigned') AS team, site, channel, issue_type, anger_level,
    count(*) AS calls,
    count(*) FILTER (window_closed) AS closed_90d,
    count(*) FILTER (window_closed AND churned_at <= call_date + 90) AS churned_90d,
    count(COLUMNS(practice_pattern())) AS '\1_assessed',
    count(nullif(COLUMNS(practice_pattern()), false)) AS '\1'
FROM summary_calls
WHERE NOT churned_before_call
GROUP BY ALL
ORDER BY ALL
