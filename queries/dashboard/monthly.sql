-- monthly: one row per calendar month of the filtered calls: upset calls, churn within 90 days
-- after upset and after calm calls (closed windows), and adoption of each practice on upset calls.
-- Reads: queries/dashboard/filtered_calls (inlined). Parameters: as filtered_calls.
WITH calls AS (
    {filtered_calls}
)
SELECT call_month AS month,
    count(*) FILTER (WHERE is_upset) AS upset_calls,
    avg(churned_90d::INT) FILTER (WHERE is_upset) AS churn_upset,
    avg(churned_90d::INT) FILTER (WHERE NOT is_upset) AS churn_calm,
    avg(let_vent::INT) FILTER (WHERE is_upset) AS let_vent,
    avg(verified_understanding::INT) FILTER (WHERE is_upset) AS verified_understanding,
    avg(empathized::INT) FILTER (WHERE is_upset) AS empathized,
    avg(apologized::INT) FILTER (WHERE is_upset) AS apologized,
    avg(asked_desired_outcome::INT) FILTER (WHERE is_upset) AS asked_desired_outcome,
    avg(offered_options::INT) FILTER (WHERE is_upset) AS offered_options,
    avg(agreement_obtained::INT) FILTER (WHERE is_upset) AS agreement_obtained,
    avg(took_ownership::INT) FILTER (WHERE is_upset) AS took_ownership,
    avg(summarized::INT) FILTER (WHERE is_upset) AS summarized,
    avg(thanked::INT) FILTER (WHERE is_upset) AS thanked,
    avg(followup_promised::INT) FILTER (WHERE is_upset) AS followup_promised,
    avg(followup_within_30d::INT) FILTER (WHERE is_upset) AS followed_up
FROM calls
GROUP BY call_month
ORDER BY call_month
