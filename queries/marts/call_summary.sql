-- call_summary: one row per (call_month, team, site, channel, issue_type, anger_level) of the
-- calls up to the as-of date; the counts behind the overview's headline, trends, team table and
-- contact-centre KPIs, so the dashboard sums a few thousand rows instead of joining millions of calls.
-- calls; closed_90d: calls whose 90-day window had closed by the as-of date; churned_90d: of
-- those, how many customers churned within the 90 days; closed_30d, churned_30d: the same over 30
-- days (the early signal for months whose 90-day windows are still open). resolved_known / resolved: calls with a
-- recorded resolution / resolved on that contact (first-contact resolution); handle_s_sum and
-- handle_s_sq_sum (of squares, for the mean's interval) over handled calls (handle time); csat_sum and
-- csat_sq_sum over csat_scored calls (CSAT, 1-5). (Repeat upset
-- contacts need the customer's next upset call: upset_customer_calls.) For each practice of the vocabulary,
-- <practice>_assessed (calls on which it was recorded or derived) and <practice> (calls where it
-- was used), as call_facts derives them.
-- Calls of customers recorded as churned before the call are left out, as elsewhere.
-- Reads: summary_calls. Parameters: none.
SELECT call_month,
    coalesce(team, 'unassigned') AS team, site, channel, issue_type, anger_level,
    count(*) AS calls,
    count(*) FILTER (window_closed) AS closed_90d,
    count(*) FILTER (window_closed AND churned_at <= call_date + 90) AS churned_90d,
    count(*) FILTER (window_30d_closed) AS closed_30d,
    count(*) FILTER (window_30d_closed AND churned_at <= call_date + 30) AS churned_30d,
    count(resolved) AS resolved_known,
    count(*) FILTER (resolved) AS resolved,
    count(handle_s) AS handled,
    -- summed as exact decimals (to the microsecond), so that the total does not depend on the order
    -- the rows come in, which differs between threads and engines (a DOUBLE sum does)
    coalesce(CAST(sum(CAST(handle_s AS DECIMAL(18, 6))) AS DOUBLE), 0) AS handle_s_sum,
    -- squares to the millisecond (exact, so both engines give the same total: a product of two
    -- 3-decimal numbers needs 6, which Spark keeps in a DECIMAL(38, 6), as DuckDB does)
    coalesce(CAST(sum(CAST(handle_s AS DECIMAL(38, 3)) * CAST(handle_s AS DECIMAL(38, 3))) AS DOUBLE), 0)
        AS handle_s_sq_sum,
    count(csat) AS csat_scored,
    coalesce(sum(csat), 0) AS csat_sum,
    coalesce(sum(csat * csat), 0) AS csat_sq_sum,
    count(COLUMNS(practice_pattern())) AS '\1_assessed',
    count(nullif(COLUMNS(practice_pattern()), false)) AS '\1'
FROM summary_calls
WHERE NOT churned_before_call
GROUP BY ALL
ORDER BY ALL
