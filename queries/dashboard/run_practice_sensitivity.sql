-- run_practice_sensitivity: the rows of practice_sensitivity for one model run (one row per practice
-- and effect): E-values, robustness values, the strongest-covariate benchmark, the within-agent
-- estimate and its disagreement flag, and the reading in words.
-- Reads: practice_sensitivity. Parameters: $run_id.
SELECT * EXCLUDE (run_id) FROM practice_sensitivity WHERE run_id = $run_id ORDER BY practice, effect
