-- schema: the bookkeeping tables every calmline database has.
-- Returns nothing; creates the tables when missing. The entity tables (calls,
-- customers, agents, follow_ups, training) are created from etl/contract.py.
-- load_batches: one row per file per load (batch).
-- rejected_rows: one row per source row that was not loaded, with every rule it broke.
-- etl_state: one row; the as-of date that defines censoring, and when it was set.
CREATE TABLE IF NOT EXISTS load_batches (
    batch_id        INTEGER NOT NULL,
    entity          VARCHAR NOT NULL,
    file            VARCHAR NOT NULL,
    format          VARCHAR NOT NULL,
    sha256          VARCHAR NOT NULL,
    size_bytes      BIGINT NOT NULL,
    rows_read       BIGINT NOT NULL,
    rows_loaded     BIGINT NOT NULL,
    rows_rejected   BIGINT NOT NULL,
    rows_inserted   BIGINT NOT NULL,
    rows_updated    BIGINT NOT NULL,
    rows_unchanged  BIGINT NOT NULL,
    extra_columns   VARCHAR[],
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP NOT NULL,
    status          VARCHAR NOT NULL,
    note            VARCHAR,
    PRIMARY KEY (batch_id, file),
    CHECK (rows_read = rows_loaded + rows_rejected),
    CHECK (rows_loaded = rows_inserted + rows_updated + rows_unchanged)
);
CREATE TABLE IF NOT EXISTS rejected_rows (
    batch_id     INTEGER NOT NULL,
    entity       VARCHAR NOT NULL,
    source_file  VARCHAR NOT NULL,
    line         BIGINT NOT NULL,
    column_name  VARCHAR,
    rule         VARCHAR NOT NULL,
    problems     VARCHAR NOT NULL,
    row_text     VARCHAR
);
CREATE TABLE IF NOT EXISTS etl_state (
    as_of           DATE NOT NULL,
    as_of_source    VARCHAR NOT NULL,
    last_batch_id   INTEGER NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
