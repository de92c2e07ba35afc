-- run_agent_coaching: the coaching queue of one model run: one row per agent and team, queue order
-- (most customers kept first, agents with nothing to coach last).
-- Reads: agent_coaching. Parameters: $run_id.
SELECT * EXCLUDE (run_id) FROM agent_coaching WHERE run_id = $run_id
ORDER BY queue_rank NULLS LAST, agent_id
