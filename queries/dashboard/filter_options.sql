-- filter_options: one row per (filter, value) the global filters can offer, and the months covered.
-- Reads: call_facts. Parameters: none.
SELECT 'team' AS filter, team AS value FROM (SELECT DISTINCT coalesce(team, 'unassigned') AS team FROM call_facts)
UNION ALL SELECT 'site', site FROM (SELECT DISTINCT site FROM call_facts WHERE site IS NOT NULL)
UNION ALL SELECT 'channel', channel FROM (SELECT DISTINCT channel FROM call_facts)
UNION ALL SELECT 'issue_type', issue_type FROM (SELECT DISTINCT issue_type FROM call_facts)
UNION ALL SELECT 'month', strftime(month, '%Y-%m') FROM (SELECT DISTINCT call_month AS month FROM call_facts)
ORDER BY 1, 2
