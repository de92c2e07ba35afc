-- title: Follow-up lag vs churn
-- description: One row per follow-up lag band (the first follow-up recorded after an upset call: within 1 day, 1-3, 3-7, 7-14, 14-30 days, none within 30 days): upset calls, the share where a follow-up was promised, and churn within the horizon among calls whose window has closed.
-- audience: trainer, analyst
-- param: start date = | First call day (empty = from the first call)
-- param: end date = | Last call day (empty = up to the last call)
-- param: team text = | Team (empty = all teams)
-- param: horizon choice(30,90,180) = 90 | Days after the call
-- param: promised choice(yes,no) = | Only calls where the agent promised a follow-up (yes) or did not (no); empty = all
-- Grain: one row per lag band, bands ordered by lag. Bands include their upper bound.
-- Reads: call_facts, horizon_churn. Unadjusted: agents who follow up quickly also do
-- other things well; see the model's dose-response for the adjusted comparison.
WITH upset_calls AS (
    SELECT call_id, days_to_followup, followup_within_30d, followup_promised
    FROM call_facts
    WHERE is_upset
      AND ($start IS NULL OR call_date >= $start)
      AND ($end IS NULL OR call_date <= $end)
      AND ($team IS NULL OR coalesce(team, 'unassigned') = $team)
      AND ($promised IS NULL OR followup_promised = ($promised = 'yes'))
),
banded AS (
    SELECT u.followup_promised, r.churned,
        CASE WHEN NOT u.followup_within_30d THEN 6
             WHEN u.days_to_followup <= 1 THEN 1
             WHEN u.days_to_followup <= 3 THEN 2
             WHEN u.days_to_followup <= 7 THEN 3
             WHEN u.days_to_followup <= 14 THEN 4
             ELSE 5 END AS band
    FROM upset_calls u
    LEFT JOIN horizon_churn r ON r.call_id = u.call_id AND r.horizon = $horizon
)
SELECT
    ['within 1 day', '1-3 days', '3-7 days', '7-14 days', '14-30 days',
     'none within 30 days'][band] AS followup_lag,
    count(*) AS upset_calls,
    avg(followup_promised::INT) AS promised_share,
    count(churned) AS closed_windows,
    count(*) FILTER (WHERE churned) AS churned,
    avg(churned::INT) AS churn_rate
FROM banded
GROUP BY band
ORDER BY band
