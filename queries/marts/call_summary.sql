-- call_summary: one row per (call_month, team, site, channel, issue_type, anger_level) of the
-- calls up to the as-of date; the counts behind the overview's headline, trends and team table,
-- so the dashboard sums a few thousand rows instead of joining millions of calls.
-- calls; closed_90d: calls whose 90-day window had closed by the as-of date; churned_90d: of
-- those, how many customers churned within the 90 days. For each practice, <practice>_assessed
-- (calls whose scorecard recorded it) and <practice> (calls where it was used); offered_options
-- is two or more options offered, followed_up a follow-up within 30 days.
-- The same calls, flags and 90-day outcome as call_facts and the dashboard's filtered_calls
-- (tests/etl/test_summaries.py checks they agree), read from the tables directly: through
-- the call_facts view DuckDB plans the 2M-row joins badly and the ETL would take 40% longer.
-- Calls of customers recorded as churned before the call are left out, as elsewhere.
-- Reads: calls, customers, agents, call_timing, etl_state. Parameters: none.
WITH followed AS (
    SELECT call_id, first_followup_at FROM call_timing WHERE first_followup_at IS NOT NULL
),
calls_in_scope AS (
    SELECT c.*, a.team, a.site, CAST(c.started_at AS DATE) AS call_date, cu.churned_at,
        CAST(c.started_at AS DATE) + 90 <= (SELECT as_of FROM etl_state) AS window_closed,
        coalesce(cu.churned_at < CAST(c.started_at AS DATE), false) AS churned_before_call,
        coalesce(f.first_followup_at <= c.started_at + INTERVAL 30 DAY, false) AS followup_within_30d
    FROM calls c
    JOIN customers cu USING (customer_id)
    JOIN agents a USING (agent_id)
    LEFT JOIN followed f USING (call_id)
    SEMI JOIN etl_state s ON c.started_at < s.as_of + INTERVAL 1 DAY
)
SELECT CAST(date_trunc('month', started_at) AS DATE) AS call_month,
    coalesce(team, 'unassigned') AS team, site, channel, issue_type, anger_level,
    count(*) AS calls,
    count(*) FILTER (window_closed) AS closed_90d,
    count(*) FILTER (window_closed AND churned_at <= call_date + 90) AS churned_90d,
    count(let_vent) AS let_vent_assessed, count(*) FILTER (let_vent) AS let_vent,
    count(verified_understanding) AS verified_understanding_assessed, count(*) FILTER (verified_understanding) AS verified_understanding,
    count(empathized) AS empathized_assessed, count(*) FILTER (empathized) AS empathized,
    count(apologized) AS apologized_assessed, count(*) FILTER (apologized) AS apologized,
    count(asked_desired_outcome) AS asked_desired_outcome_assessed, count(*) FILTER (asked_desired_outcome) AS asked_desired_outcome,
    count(agreement_obtained) AS agreement_obtained_assessed, count(*) FILTER (agreement_obtained) AS agreement_obtained,
    count(took_ownership) AS took_ownership_assessed, count(*) FILTER (took_ownership) AS took_ownership,
    count(summarized) AS summarized_assessed, count(*) FILTER (summarized) AS summarized,
    count(thanked) AS thanked_assessed, count(*) FILTER (thanked) AS thanked,
    count(followup_promised) AS followup_promised_assessed, count(*) FILTER (followup_promised) AS followup_promised,
    count(options_offered) AS offered_options_assessed, count(*) FILTER (options_offered >= 2) AS offered_options,
    count(*) AS followed_up_assessed, count(*) FILTER (followup_within_30d) AS followed_up
FROM calls_in_scope
WHERE NOT churned_before_call  -- filtered here, not in the join: twice as fast
GROUP BY ALL
ORDER BY ALL
