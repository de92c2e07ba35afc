-- upset_calls: one row per upset call (anger_level >= upset_anger()) on or before the as-of date whose
-- customer had not churned before it: the model population of `calmline fit`.
-- Pre-call facts (anger, issue, channel, queue wait, tenure, plan, value, region, month,
-- the agent's break since their previous upset call), the customer's recent contact history
-- (prior_upset_calls_90d: their upset calls in the 90 days before this one; repeat_contact_30d:
-- any call of theirs, upset or not, in the 30 days before it; calls at the same moment do not
-- count, and history before the first loaded call is unknown, so counted as none), every
-- practice of the vocabulary (as call_facts derives it), the options count and compensation
-- amount, results of the call (resolved, transfers: only for the direct effect), follow-up
-- timing, the outcome windows and the survival time. Practices are NULL where QA did not assess the call.
-- Reads: call_facts, call_context, customer_retention. Parameters: none.
-- The joins are written with the wide rows (facts) first and the narrow sides after them: `calmline
-- fit` runs this query with DuckDB's join reordering off (runner._joins_as_written), so its hash
-- tables hold history and retention, not every column of 1M upset calls (half the query's memory).
WITH retention AS (
    SELECT call_id, event, time_days, days_observable, churned_30d, churned_90d, churned_180d
    FROM customer_retention
    WHERE NOT churned_before_call
),
history AS (
    -- the windows read only these four columns of every call (the rest joins in after: sorting
    -- whole rows made this the slowest step of the query), from call_context: call_facts is the
    -- same rows with the transcripts joined in, which these columns do not need (at 1M upset
    -- calls 0.25 GB less at the query's peak)
    SELECT call_id,
        count(*) FILTER (WHERE is_upset) OVER before_90d AS prior_upset_calls_90d,
        count(*) OVER before_30d > 0 AS repeat_contact_30d
    FROM (SELECT call_id, customer_id, started_at, is_upset FROM call_context)
    WINDOW before_90d AS (PARTITION BY customer_id ORDER BY started_at
                          RANGE BETWEEN INTERVAL 90 DAYS PRECEDING AND CURRENT ROW EXCLUDE GROUP),
           before_30d AS (PARTITION BY customer_id ORDER BY started_at
                          RANGE BETWEEN INTERVAL 30 DAYS PRECEDING AND CURRENT ROW EXCLUDE GROUP)
    QUALIFY is_upset
),
facts AS (
    SELECT * FROM call_facts WHERE is_upset
)
SELECT
    f.call_id, f.agent_id, f.team, f.site, f.customer_id, f.call_month,
    f.anger_level, f.issue_type, f.channel, f.wait_s, f.tenure_days, f.plan, f.monthly_value,
    f.region, f.minutes_since_prev_upset, h.prior_upset_calls_90d, h.repeat_contact_30d,
    COLUMNS(practice_pattern()),
    f.options_offered, f.compensation_value, f.days_to_followup,
    f.resolved, f.transfers,
    r.event, r.time_days, r.days_observable, r.churned_30d, r.churned_90d, r.churned_180d
FROM facts f
JOIN history h USING (call_id)
JOIN retention r USING (call_id)
