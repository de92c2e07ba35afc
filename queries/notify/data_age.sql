-- data_age: one row: the data's as-of date and how many days before $today it is; no row before
-- the first load.
-- Reads: etl_state. Parameters: $today (DATE).
SELECT as_of, date_diff('day', as_of, CAST($today AS DATE)) AS age_days
FROM etl_state
