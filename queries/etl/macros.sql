-- macros: the parsing helpers the ETL's validation SQL uses.
-- Returns nothing; creates temporary macros on the ETL's connection.
-- cl_bool(x): true/false, 1/0, yes/no, y/n in any case -> BOOLEAN; anything else -> NULL.
-- cl_int(x): a whole number ('12', '-3', '4.0') -> BIGINT; '4.5', text -> NULL.
-- cl_num(x): a finite number -> DOUBLE; anything else (text, nan, inf) -> NULL.
-- cl_ts(x): an ISO 8601 timestamp -> TIMESTAMP; one with an offset (Z, +02:00) is converted to UTC.
-- cl_csv_field(x): a field quoted back into CSV, for the original row text.
CREATE OR REPLACE TEMP MACRO cl_bool(x) AS
    CASE lower(x)
        WHEN 'true' THEN true WHEN '1' THEN true WHEN 'yes' THEN true WHEN 'y' THEN true
        WHEN 'false' THEN false WHEN '0' THEN false WHEN 'no' THEN false WHEN 'n' THEN false
    END;
CREATE OR REPLACE TEMP MACRO cl_int(x) AS
    CASE WHEN TRY_CAST(x AS DOUBLE) = TRY_CAST(x AS BIGINT) THEN TRY_CAST(x AS BIGINT) END;
CREATE OR REPLACE TEMP MACRO cl_num(x) AS
    CASE WHEN isfinite(TRY_CAST(x AS DOUBLE)) THEN TRY_CAST(x AS DOUBLE) END;
CREATE OR REPLACE TEMP MACRO cl_ts(x) AS
    CASE WHEN NOT regexp_matches(x, '^[0-9]{4}-[0-9]{2}-[0-9]{2}') THEN NULL
         WHEN regexp_matches(x, '[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)? *(Z|[+-][0-9]{2}(:?[0-9]{2})?)$')
         THEN TRY_CAST(x AS TIMESTAMPTZ) AT TIME ZONE 'UTC'
         ELSE TRY_CAST(x AS TIMESTAMP) END;
CREATE OR REPLACE TEMP MACRO cl_date(x) AS
    CASE WHEN regexp_matches(x, '^[0-9]{4}-[0-9]{2}-[0-9]{2}') THEN TRY_CAST(x AS DATE) END;
CREATE OR REPLACE TEMP MACRO cl_csv_field(x) AS
    CASE WHEN x IS NULL THEN ''
         WHEN regexp_matches(x, '[",\r\n]') THEN '"' || replace(x, '"', '""') || '"'
         ELSE x END;
