-- rejected_rows_count: one row, the number of rejected source rows (rows).
-- Reads: rejected_rows. Parameters: none.
SELECT count(*) AS rows
FROM rejected_rows
