-- run_training_priorities: the rows of training_priorities for one model run (grain as the table).
-- Reads: training_priorities. Parameters: $run_id.
SELECT * EXCLUDE (run_id) FROM training_priorities WHERE run_id = $run_id
