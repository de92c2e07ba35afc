-- call_header: one row for call $call_id (no row when there is no such call): who took it, when,
-- where it came from, how angry the customer was, whether the customer churned within 90 days
-- (NULL while the window is open at the as-of date; window_closes says when it closes;
-- churned_before when the customer had already left before this call), and what detection found
-- in its transcript (has_transcript false and the detected columns NULL when none was loaded).
-- Reads: call_facts, etl_state, transcript_calls. Parameters: $call_id (text, bound).
WITH call AS (
    SELECT * FROM call_facts WHERE call_id = $call_id
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
