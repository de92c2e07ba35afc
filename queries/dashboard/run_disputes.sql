-- run_disputes: the rows of dispute_effects for one model run: one row per disputed point and
-- method, in the vocabulary's order (headline marks the row the panel puts in words).
-- Reads: dispute_effects. Parameters: $run_id.
SELECT * EXCLUDE (run_id)
FROM dispute_effects
WHERE run_id = $run_id
ORDER BY position, method
