-- training_completions: one row per agent and training module completed: the first completion day.
-- The input of `calmline fit`'s training impact (difference in differences around each module).
-- Reads: training. Parameters: none.
WITH completions AS (
    SELECT agent_id, module, completed_at FROM training
)
SELECT agent_id, module, min(completed_at) AS completed_at
FROM completions
GROUP BY agent_id, module
ORDER BY module, agent_id
