-- call_timing: one row per call; the two facts about a call that need other rows.
-- first_followup_at: the first follow-up recorded at or after the call started.
-- prev_upset_end: when the same agent's previous upset call (anger_level >= 3,
-- started strictly earlier) ended (started_at + handle_s), NULL if none.
-- Materialized as a narrow table; call_facts joins it. Reads: calls, follow_ups.
-- Parameters: none.
WITH calls_narrow AS (
    SELECT call_id, agent_id, started_at FROM calls
),
upset_ends AS (
    SELECT agent_id, started_at,
        started_at + to_microseconds(CAST(handle_s * 1e6 AS BIGINT)) AS ended_at
    FROM calls WHERE anger_level >= 3
),
first_followup AS (
    SELECT f.call_id, min(f.followup_at) AS first_followup_at
    FROM follow_ups f JOIN calls_narrow c USING (call_id)
    WHERE f.followup_at >= c.started_at
    GROUP BY f.call_id
),
previous_upset AS (
    SELECT c.call_id, u.ended_at AS prev_upset_end
    FROM calls_narrow c
    ASOF LEFT JOIN upset_ends u ON c.agent_id = u.agent_id AND c.started_at > u.started_at
)
SELECT p.call_id, f.first_followup_at, p.prev_upset_end
FROM previous_upset p
LEFT JOIN first_followup f USING (call_id)
