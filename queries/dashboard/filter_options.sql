-- filter_options: one row per (filter, value) the global filters can offer, and the months covered.
-- Reads: call_summary. Parameters: none.
SELECT DISTINCT 'team' AS filter, team AS value FROM call_summary
UNION ALL SELECT DISTINCT 'site', site FROM call_summary WHERE site IS NOT NULL
UNION ALL SELECT DISTINCT 'channel', channel FROM call_summary
UNION ALL SELECT DISTINCT 'issue_type', issue_type FROM call_summary
UNION ALL SELECT DISTINCT 'month', strftime(call_month, '%Y-%m') FROM call_summary
ORDER BY 1, 2
