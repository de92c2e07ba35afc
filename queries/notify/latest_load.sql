-- latest_load: one row for the latest load (batch): its id, files, rows read and rejected, and
-- when it finished; no row before the first load.
-- Reads: load_batches. Parameters: none.
WITH batches AS (
    FROM load_batches
),
latest AS (
    SELECT max(batch_id) AS batch_id FROM batches
)
SELECT b.batch_id, count(*) AS files, sum(b.rows_read) AS rows_read, sum(b.rows_rejected) AS rows_rejected,
    max(b.finished_at) AS finished_at
FROM batches b JOIN latest USING (batch_id)
GROUP BY b.batch_id
