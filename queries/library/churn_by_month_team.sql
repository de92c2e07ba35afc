-- title: Churn after upset calls by month and team
-- description: One row per month and team: upset calls, how many of them have a closed churn window (horizon days passed by the as-of date), and the share of those whose customer churned within the horizon.
-- audience: director, trainer
-- param: start date = | First call day (empty = from the first call)
-- param: end date = | Last call day (empty = up to the last call)
-- param: team text = | Team (empty = all teams)
-- param: horizon choice(30,90,180) = 90 | Days after the call
-- Grain: one row per calendar month of the call and the agent's team ('unassigned' when none).
-- Reads: call_facts, horizon_churn. A call still inside its window counts in upset_calls
-- but not in closed_windows, churned or churn_rate, even when its customer has already left
-- (an open window is not a retained customer, and counting only its early churners would
-- over-state churn in recent months); nor does a call from a customer who left before it.
WITH upset_calls AS (
    SELECT call_id, customer_id, call_month, coalesce(team, 'unassigned') AS team
    FROM call_facts
    WHERE is_upset
      AND ($start IS NULL OR call_date >= $start)
      AND ($end IS NULL OR call_date <= $end)
      AND ($team IS NULL OR coalesce(team, 'unassigned') = $team)
),
outcomes AS (
    SELECT u.call_month, u.team, u.customer_id, r.churned
    FROM upset_calls u
    LEFT JOIN horizon_churn r ON r.call_id = u.call_id AND r.horizon = $horizon
)
SELECT
    call_month AS month,
    team,
    count(*) AS upset_calls,
    count(DISTINCT customer_id) AS customers,
    count(churned) AS closed_windows,
    count(*) FILTER (WHERE churned) AS churned,
    avg(churned::INT) AS churn_rate
FROM outcomes
GROUP BY call_month, team
ORDER BY month, team
