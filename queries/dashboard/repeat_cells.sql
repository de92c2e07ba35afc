-- repeat_cells: every cell of upset_repeat_summary (calendar month, team, site, channel, issue type,
-- anger level: repeat_closed_30d, repeat_30d), read once per worker and database version by the
-- overview's in-memory numbers (calmline.dashboard.summary_cells) for the monthly query's repeat
-- columns. Reads: upset_repeat_summary. Parameters: none.
SELECT call_month, team, site, channel, issue_type, anger_level, repeat_closed_30d, repeat_30d
FROM upset_repeat_summary
