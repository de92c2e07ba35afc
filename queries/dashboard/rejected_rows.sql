-- rejected_rows: one row per rejected source row, newest load first, then file and line; one page of
-- them. Reads: rejected_rows. Parameters: $limit (rows in the page), $offset (rows before it).
SELECT batch_id, entity, source_file, line, column_name, rule, problems, row_text
FROM rejected_rows
ORDER BY batch_id DESC, source_file, line
LIMIT $limit OFFSET $offset
