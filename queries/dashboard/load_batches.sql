-- load_batches: one row per file per load, newest load first.
-- Reads: load_batches. Parameters: none.
SELECT batch_id, entity, file, status, rows_read, rows_loaded, rows_rejected, rows_inserted,
    rows_updated, rows_unchanged, started_at, finished_at, note
FROM load_batches
ORDER BY batch_id DESC, file
