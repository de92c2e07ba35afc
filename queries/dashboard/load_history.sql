-- load_history: one row per load (batch), newest first: when it finished, how many files it saw and
-- skipped as identical to files loaded before, its rows (read, new, updated, unchanged, rejected),
-- and whether it changed the data (changed_data: some row new or updated).
-- Reads: load_batches. Parameters: none.
WITH files AS (
    SELECT batch_id, status, finished_at, rows_read, rows_inserted, rows_updated, rows_unchanged,
        rows_rejected
    FROM load_batches
)
SELECT batch_id,
    max(finished_at) AS finished_at,
    count(*) AS files,
    count(*) FILTER (WHERE status = 'skipped') AS files_skipped,
    CAST(sum(rows_read) AS BIGINT) AS rows_read,
    CAST(sum(rows_inserted) AS BIGINT) AS rows_new,
    CAST(sum(rows_updated) AS BIGINT) AS rows_updated,
    CAST(sum(rows_unchanged) AS BIGINT) AS rows_unchanged,
    CAST(sum(rows_rejected) AS BIGINT) AS rows_rejected,
    sum(rows_inserted) + sum(rows_updated) > 0 AS changed_data
FROM files
GROUP BY batch_id
ORDER BY batch_id DESC
