-- horizon_churn: one row per upset call (anger_level >= 3) up to the as-of date and horizon
-- (30, 90 and 180 days), a view. churned: whether the customer churned within that many days
-- of the call, known only once the window has closed by the as-of date (NULL while it is open,
-- or early churners of unfinished windows would be over-counted) and NULL for a call after the
-- customer had already churned. The saved queries join it on call_id and their $horizon.
-- Reads: customer_retention. Parameters: none.
SELECT r.call_id, h.horizon,
    CASE h.horizon WHEN 30 THEN r.churned_30d WHEN 90 THEN r.churned_90d
                   WHEN 180 THEN r.churned_180d END AS churned
FROM customer_retention r
CROSS JOIN (VALUES (30), (90), (180)) h(horizon)
