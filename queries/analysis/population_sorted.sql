-- population_sorted: the model population `calmline fit` stored (the table model_population), one
-- row per upset call in call_id order, without the columns no model reads (customer_id, site):
-- the rows of the fit's frame, read as a stream of batches (runner._population_read). In call_id
-- order because the query that wrote the table returns its rows in an order of its own each time
-- (a parallel plan): sorted, the same database gives the same numbers to the last digit.
-- Reads: model_population. Parameters: none.
SELECT * EXCLUDE (customer_id, site)
FROM model_population
ORDER BY call_id
