-- population_columns: one row about the model population `calmline fit` stored (the table
-- model_population), over the columns its frame holds (every column but customer_id and site):
-- population_rows, the upset calls; then for each column c, values_c (its rows with a value),
-- least_c and greatest_c (its smallest and largest value). The frame's columns are allocated
-- with their final dtypes from these before the rows are read (runner._population_read): a
-- column with a missing value is held otherwise, and 64-bit integers in 32 bits where they fit.
-- Reads: model_population. Parameters: none.
SELECT
    count(*) AS population_rows,
    count(COLUMNS(* EXCLUDE (customer_id, site))) AS "values_\0",
    min(COLUMNS(* EXCLUDE (customer_id, site))) AS "least_\0",
    max(COLUMNS(* EXCLUDE (customer_id, site))) AS "greatest_\0"
FROM model_population
