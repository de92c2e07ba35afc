-- filtered_upset_calls: one row per upset call of the model population (upset_calls.sql, the rows
-- `calmline fit` reads, with the same columns) that passes the dashboard's global filters: the
-- population of the Practice impact page's estimates for a filter. The customer's contact history
-- (prior_upset_calls_90d, repeat_contact_30d) is counted over all their calls, as in the fit, before
-- the filter keeps some of the calls.
-- Reads: upset_population (the table model_population `calmline fit` stored, or upset_calls.sql in a
-- database fitted before it; registered on the cursor under that name by
-- calmline.analysis.filtered_runner, which owns the name), and the macros in_filters and in_months.
-- Parameters: $teams, $sites, $channels, $issues (lists, NULL = all), $anger (list of levels, NULL
-- = all), $start, $end (dates, NULL = open; whole months, as the filters choose them).
SELECT *
FROM upset_population
WHERE in_filters(team, site, channel, issue_type, anger_level, $teams, $sites, $channels, $issues, $anger)
  AND in_months(call_month, $start, $end)
