-- customer_retention: one row per upset call (anger_level >= 3) on or before the as-of date (a view).
-- Whether the customer churned within 30, 90 and 180 days of the call (churned_30d, _90d,
-- _180d: NULL while the window is still open at the as-of date, even for a customer already
-- gone, so avg(churned_90d) is the churn rate over closed windows; churn seen so far in an open
-- window: event and time_days),
-- days from the call to churn or, for customers still with us, to the as-of
-- date (time_days, with event = churned), for survival models. A customer
-- recorded as churned before the call (a win-back contact, say) is flagged
-- churned_before_call and has no outcome. days_observable: days from the call to the
-- as-of date; a model of churn within h days must keep only calls with days_observable >= h,
-- or calls that churned early in an unfinished window would be over-represented.
-- Reads: call_context (call_facts without the practices: the same calls, one row each, without
-- call_facts' join of the transcripts, which nothing here reads), etl_state. Parameters: none.
WITH state AS (
    SELECT as_of FROM etl_state
),
upset AS (
    SELECT call_id, customer_id, agent_id, started_at, call_date, churned_at
    FROM call_context WHERE is_upset
),
timed AS (
    SELECT u.*, state.as_of,
        u.churned_at IS NOT NULL AND u.churned_at <= state.as_of AS churn_seen,
        u.churned_at IS NOT NULL AND u.churned_at < u.call_date AS churned_before_call,
        date_diff('day', u.call_date, state.as_of) AS days_observable
    FROM upset u, state
)
SELECT
    call_id, customer_id, agent_id, started_at, call_date, churned_at, as_of,
    churned_before_call, days_observable,
    churn_seen AND NOT churned_before_call AS event,
    CASE WHEN churned_before_call THEN NULL
         WHEN churn_seen THEN date_diff('day', call_date, churned_at)
         ELSE days_observable END AS time_days,
    CASE WHEN churned_before_call OR days_observable < 30 THEN NULL
         ELSE churn_seen AND date_diff('day', call_date, churned_at) <= 30 END AS churned_30d,
    CASE WHEN churned_before_call OR days_observable < 90 THEN NULL
         ELSE churn_seen AND date_diff('day', call_date, churned_at) <= 90 END AS churned_90d,
    CASE WHEN churned_before_call OR days_observable < 180 THEN NULL
         ELSE churn_seen AND date_diff('day', call_date, churned_at) <= 180 END AS churned_180d,
    NOT churned_before_call AND days_observable < 30
        AND NOT (churn_seen AND date_diff('day', call_date, churned_at) <= 30) AS censored_30d,
    NOT churned_before_call AND days_observable < 90
        AND NOT (churn_seen AND date_diff('day', call_date, churned_at) <= 90) AS censored_90d,
    NOT churned_before_call AND days_observable < 180
        AND NOT (churn_seen AND date_diff('day', call_date, churned_at) <= 180) AS censored_180d
FROM timed
