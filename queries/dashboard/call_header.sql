-- call_header: one row for call $call_id (no row when there is no such call): who took it, when,
-- where it came from, how angry the customer was, whether the customer churned within 90 days
-- (NULL while the window is open at the as-of date; window_closes says when it closes;
-- churned_before when the customer had already left before this call), and what detection found
-- in its transcript (has_transcript false and the detected columns NULL when none was loaded).
-- The call's columns are call_context's (calls with its agent's team and site and its customer's
-- churn date, started by the as-of date), read from those tables directly: call_context also joins
-- call_timing, which is not stored in call_id order, so reading one call through it scanned every
-- row of call_timing (tests/dashboard/test_mart_queries.py compares with the query over call_facts).
-- Reads: calls, agents, customers, etl_state, transcript_calls. Parameters: $call_id (text, bound).
WITH call AS (
    SELECT c.call_id, c.started_at, c.agent_id, a.team, a.site, c.channel, c.issue_type, c.anger_level,
        c.anger_level >= upset_anger() AS is_upset, c.resolved, CAST(c.started_at AS DATE) AS call_date,
        cu.churned_at
    FROM calls c
    JOIN customers cu USING (customer_id)
    JOIN agents a USING (agent_id)
    SEMI JOIN etl_state s ON c.started_at < s.as_of + INTERVAL 1 DAY
    WHERE c.call_id = $call_id
), state AS (
    SELECT as_of FROM etl_state
), detected AS (
    SELECT * FROM transcript_calls WHERE call_id = $call_id
)
SELECT c.call_id, c.started_at, c.agent_id, c.team, c.site, c.channel, c.issue_type, c.anger_level,
    c.is_upset, c.resolved,
    c.churned_at IS NOT NULL AND c.churned_at < c.call_date AS churned_before,
    CASE WHEN c.call_date + 90 <= s.as_of
         THEN c.churned_at IS NOT NULL AND c.churned_at <= c.call_date + 90 END AS churned_90d,
    (c.call_date + 90)::DATE AS window_closes,
    s.as_of::DATE AS as_of,
    d.call_id IS NOT NULL AS has_transcript,
    d.turns, d.options_offered AS detected_options_offered, d.verify_mode, d.first_apology_turn,
    d.first_apology_position, d.vent_interruptions, d.empathy_negated, d.policy_language, d.handoff,
    d.blaming, d.compensation_offered, d.agent_talk_share
FROM call c CROSS JOIN state s LEFT JOIN detected d USING (call_id)
