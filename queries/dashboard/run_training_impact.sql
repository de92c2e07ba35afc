-- run_training_impact: the training impact (difference in differences) of one model run: one row
-- per module and outcome (adoption, churn within the run's horizon).
-- Reads: training_impact. Parameters: $run_id.
SELECT * EXCLUDE (run_id) FROM training_impact WHERE run_id = $run_id
ORDER BY module, outcome = 'adoption' DESC, outcome
