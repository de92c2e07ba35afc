-- run_effect_heterogeneity: the rows of effect_heterogeneity for one model run (grain as the table).
-- Reads: effect_heterogeneity. Parameters: $run_id.
SELECT * EXCLUDE (run_id) FROM effect_heterogeneity WHERE run_id = $run_id
