-- summary_cells: every cell of call_summary (one row per calendar month, team, site, channel, issue
-- type and anger level) with is_upset, as filtered_summary gives them with no filter: what the
-- overview's in-memory numbers (calmline.dashboard.summary_cells) read once per worker and database
-- version to give the monthly, teams and monthly_adoption queries' rows for any filter without a
-- query a request. Reads: filtered_summary (a table macro the ETL creates). Parameters: none.
FROM filtered_summary(NULL, NULL, NULL, NULL, NULL)
