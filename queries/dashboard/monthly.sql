-- monthly: one row per calendar month of the filtered calls: upset calls, churn within 90 days
-- after upset and after calm calls (closed windows), and the share of assessed upset calls on which
-- each practice was used (followed_up: a follow-up within 30 days).
-- Reads: queries/dashboard/filtered_summary (inlined). Parameters: as filtered_summary, and
-- $start, $end (dates, NULL = open; whole months).
WITH cells AS (
    {filtered_summary}
),
in_period AS (
    SELECT * FROM cells
    WHERE ($start IS NULL OR call_month >= date_trunc('month', CAST($start AS DATE)))
      AND ($end IS NULL OR call_month <= CAST($end AS DATE))
)
SELECT call_month AS month,
    sum(calls) FILTER (is_upset) AS upset_calls,
    sum(churned_90d) FILTER (is_upset) / nullif(sum(closed_90d) FILTER (is_upset), 0) AS churn_upset,
    sum(churned_90d) FILTER (NOT is_upset) / nullif(sum(closed_90d) FILTER (NOT is_upset), 0) AS churn_calm,
    sum(let_vent) FILTER (is_upset) / nullif(sum(let_vent_assessed) FILTER (is_upset), 0) AS let_vent,
    sum(verified_understanding) FILTER (is_upset) / nullif(sum(verified_understanding_assessed) FILTER (is_upset), 0) AS verified_understanding,
    sum(empathized) FILTER (is_upset) / nullif(sum(empathized_assessed) FILTER (is_upset), 0) AS empathized,
    sum(apologized) FILTER (is_upset) / nullif(sum(apologized_assessed) FILTER (is_upset), 0) AS apologized,
    sum(asked_desired_outcome) FILTER (is_upset) / nullif(sum(asked_desired_outcome_assessed) FILTER (is_upset), 0) AS asked_desired_outcome,
    sum(offered_options) FILTER (is_upset) / nullif(sum(offered_options_assessed) FILTER (is_upset), 0) AS offered_options,
    sum(agreement_obtained) FILTER (is_upset) / nullif(sum(agreement_obtained_assessed) FILTER (is_upset), 0) AS agreement_obtained,
    sum(took_ownership) FILTER (is_upset) / nullif(sum(took_ownership_assessed) FILTER (is_upset), 0) AS took_ownership,
    sum(summarized) FILTER (is_upset) / nullif(sum(summarized_assessed) FILTER (is_upset), 0) AS summarized,
    sum(thanked) FILTER (is_upset) / nullif(sum(thanked_assessed) FILTER (is_upset), 0) AS thanked,
    sum(followup_promised) FILTER (is_upset) / nullif(sum(followup_promised_assessed) FILTER (is_upset), 0) AS followup_promised,
    sum(followed_up) FILTER (is_upset) / nullif(sum(followed_up_assessed) FILTER (is_upset), 0) AS followed_up
FROM in_period
GROUP BY call_month
ORDER BY call_month
