-- team_roster: one row per team of the agents table (no team: 'unassigned') and its agents, the
-- teams query's roster, read once per worker and database version by the overview's in-memory
-- numbers (calmline.dashboard.summary_cells). Reads: agents. Parameters: none.
SELECT coalesce(team, 'unassigned') AS team, count(*) AS agents
FROM agents
GROUP BY ALL
