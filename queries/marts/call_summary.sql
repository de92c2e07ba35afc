-- call_summary: one row per (call_month, team, site, channel, issue_type, anger_level) of the
-- calls up to the as-of date; the counts behind the overview's headline, trends and team table,
-- so the dashboard sums a few thousand rows instead of joining millions of calls.
-- calls; closed_90d: calls whose 90-day window had closed by the as-of date; churned_90d: of
-- those, how many customers churned within the 90 days. For each practice, <practice>_assessed
-- (calls whose scorecard recorded it) and <practice> (calls where it was used); offered_options
-- is two or more options offered, followed_up a follow-up within 30 days.
-- Calls of customers recorded as churned before the call are left out, as elsewhere.
-- Reads: summary_calls. Parameters: none.
SELECT call_month,
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
FROM summary_calls
WHERE NOT churned_before_call
GROUP BY ALL
ORDER BY ALL
