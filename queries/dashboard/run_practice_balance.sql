-- run_practice_balance: the rows of practice_balance for one model run (grain as the table).
-- Reads: practice_balance. Parameters: $run_id.
SELECT * EXCLUDE (run_id) FROM practice_balance WHERE run_id = $run_id
