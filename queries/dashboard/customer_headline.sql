-- customer_headline: one row; customer-level figures for the filtered upset calls in the period.
-- The rule: a customer counts once when they had an upset call in the period; they are retained
-- when not churned within 90 days of their last upset call in the period, known once that day +
-- 90 has passed by the as-of date. customers; customers_closed: those whose 90 days have passed;
-- customers_retained / customers_lost: of those, still with us / churned within the 90 days;
-- value_lost: the monthly value of the customers lost (sum of customers.monthly_value; unknown
-- values count as nothing), value_unknown: lost customers without a recorded value; value_all,
-- valued: the monthly value summed over all the customers / how many have one; as_of. Values are
-- summed as decimals to the millionth, so the sums are the same on every run.
-- Reads: upset_customer_calls, etl_state. Parameters: $teams, $sites, $channels, $issues (lists,
-- NULL = all), $anger (list of levels, NULL = all), $start, $end (dates, NULL = open; whole months).
WITH state AS (
    SELECT as_of FROM etl_state
),
upset_calls AS (
    SELECT customer_id, call_date, monthly_value, churned_at
    FROM upset_customer_calls
    WHERE in_filters(team, site, channel, issue_type, anger_level, $teams, $sites, $channels, $issues, $anger)
      AND in_months(call_month, $start, $end)
),
customers AS (
    SELECT customer_id, max(call_date) AS last_upset_call, any_value(monthly_value) AS monthly_value,
        any_value(churned_at) AS churned_at
    FROM upset_calls
    GROUP BY customer_id
),
judged AS (
    SELECT c.*,
        -- summed as exact decimals (to the millionth), so that the total does not depend on the
        -- order the threads add the rows in (a DOUBLE sum does, in its last digits)
        CAST(c.monthly_value AS DECIMAL(18, 6)) AS money,
        c.last_upset_call + 90 <= s.as_of AS closed,
        coalesce(c.churned_at <= c.last_upset_call + 90, false) AS lost
    FROM customers c CROSS JOIN state s
)
SELECT count(*) AS customers,
    count(*) FILTER (closed) AS customers_closed,
    count(*) FILTER (closed AND NOT lost) AS customers_retained,
    count(*) FILTER (closed AND lost) AS customers_lost,
    coalesce(CAST(sum(money) FILTER (closed AND lost) AS DOUBLE), 0) AS value_lost,
    count(*) FILTER (closed AND lost AND monthly_value IS NULL) AS value_unknown,
    coalesce(CAST(sum(money) AS DOUBLE), 0) AS value_all,
    count(monthly_value) AS valued,
    (SELECT as_of FROM state) AS as_of
FROM judged
