-- summary_context: one row per call up to the as-of date, narrowed to what the summary marts
-- count (a view; summary_calls adds the practices to it, derived as for call_facts). The same
-- calls, flags and 90-day window as call_facts and the dashboard's filtered_calls
-- (tests/etl/test_summaries.py checks they agree), read from the tables directly: through the
-- call_facts view DuckDB plans the 2M-row joins badly and the ETL would take 40% longer.
-- window_closed: the call's 90-day window had closed by the as-of date; churned_before_call: the
-- customer was recorded as churned before it (the summaries leave those out, after the joins,
-- where it is twice as fast); followup_within_30d: a follow-up came within the follow-up window.
-- monthly_value: the customer's monthly value; window_30d_closed: 30 days have passed since the
-- call by the as-of date (30-day churn and repeat contacts are known).
-- Reads: calls, customers, agents, call_timing, etl_state. Parameters: none.
WITH followed AS (
    SELECT call_id, first_followup_at FROM call_timing WHERE first_followup_at IS NOT NULL
)
SELECT c.*, a.team, a.site, CAST(c.started_at AS DATE) AS call_date,
    CAST(date_trunc('month', c.started_at) AS DATE) AS call_month, cu.churned_at, cu.monthly_value,
    c.anger_level >= upset_anger() AS is_upset,
    CAST(c.started_at AS DATE) + 90 <= (SELECT as_of FROM etl_state) AS window_closed,
    CAST(c.started_at AS DATE) + 30 <= (SELECT as_of FROM etl_state) AS window_30d_closed,
    coalesce(cu.churned_at < CAST(c.started_at AS DATE), false) AS churned_before_call,
    coalesce(f.first_followup_at <= c.started_at + to_days(followup_window_days()), false)
        AS followup_within_30d
FROM calls c
JOIN customers cu USING (customer_id)
JOIN agents a USING (agent_id)
LEFT JOIN followed f USING (call_id)
SEMI JOIN etl_state s ON c.started_at < s.as_of + INTERVAL 1 DAY
