-- title: Churn after upset calls by month and team
-- description: One row per month and team: the churn rate of upset calls within the horizon (only once every call of the month has a closed window and at least 30 have), its 95% Wilson interval, how many calls it rests on (closed_windows), how many churned, all upset calls and distinct customers, and whether the month is still provisional or rests on few calls.
-- audience: director, trainer
-- param: start date = | First call day (empty = from the first call)
-- param: end date = | Last call day (empty = up to the last call)
-- param: team text = | Team (empty = all teams)
-- param: horizon choice(30,90,180) = 90 | Days after the call
-- Grain: one row per calendar month of the call and the agent's team ('unassigned' when none).
-- Reads: call_facts, horizon_churn. A call still inside its window counts in upset_calls
-- but not in closed_windows, churned or the rates, even when its customer has already left
-- (an open window is not a retained customer, and counting only its early churners would
-- over-state churn in recent months); nor does a call from a customer who left before it.
-- churn_rate is NULL while the month is provisional (some windows still open) or rests on
-- fewer than 30 closed windows (few_calls), so a chart never draws a partial or tiny month
-- as a full one; churn_rate_closed_so_far is the rate over the closed windows whatever their
-- number, with ci_low, ci_high (Wilson, 95%) around it.
WITH upset_calls AS (
    SELECT call_id, customer_id, call_month, coalesce(team, 'unassigned') AS team
    FROM call_facts
    WHERE is_upset
      AND ($start IS NULL OR call_date >= $start)
      AND ($end IS NULL OR call_date <= $end)
      AND ($team IS NULL OR coalesce(team, 'unassigned') = $team)
),
outcomes AS (
    SELECT u.call_month, u.team, u.customer_id, r.call_id AS judged, r.churned
    FROM upset_calls u
    LEFT JOIN horizon_churn r ON r.call_id = u.call_id AND r.horizon = $horizon
),
counted AS (
    SELECT call_month AS month, team,
        count(*) AS upset_calls,
        count(DISTINCT customer_id) AS customers,
        count(churned) AS closed_windows,
        count(*) FILTER (WHERE churned) AS churned,
        -- still open: judged calls (not churned before the call) whose window has not closed
        count(judged) FILTER (WHERE churned IS NULL) > 0 AS provisional
    FROM outcomes
    GROUP BY call_month, team
),
wilson AS (
    SELECT *, churned / nullif(closed_windows, 0) AS p, 1.959963984540054 AS z, closed_windows AS n
    FROM counted
)
SELECT month, team,
    CASE WHEN NOT provisional AND closed_windows >= 30 THEN p END AS churn_rate,
    (p + z * z / (2 * n)) / (1 + z * z / n) - z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        AS ci_low,
    (p + z * z / (2 * n)) / (1 + z * z / n) + z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        AS ci_high,
    closed_windows, churned, upset_calls, customers,
    p AS churn_rate_closed_so_far,
    provisional,
    closed_windows < 30 AS few_calls
FROM wilson
ORDER BY month, team
