-- macros: the parsing helpers the ETL's validation SQL uses.
-- Returns nothing; creates temporary macros on the ETL's connection.
-- cl_bool(x): true/false, 1/0, yes/no, y/n in any case -> BOOLEAN; anything else -> NULL.
-- cl_int(x): plain digits with an optional sign, optionally followed by a decimal point and
--   zeros ('12', '-3', '+4', '4.0') -> BIGINT; '4.5', '1e0', '1_000', '0x10', text -> NULL.
-- cl_num(x): a finite plain decimal number, optionally with an exponent ('1.5', '.5', '2e3')
--   -> DOUBLE; anything else ('1_000', nan, inf, text) -> NULL.
-- cl_ts(x): exactly ISO 8601: YYYY-MM-DD, 'T' or a space, HH:MM[:SS[.fraction]], then
--   optionally Z or an offset +HH:MM, +HHMM or +HH (hours at most 14) -> TIMESTAMP, converted
--   to UTC when it has an offset; anything else (a zone name, AM/PM, trailing text) -> NULL.
-- cl_date(x): exactly YYYY-MM-DD -> DATE; anything else (a time too) -> NULL.
-- cl_blank(x): whether x is made only of whitespace and invisible format characters
--   (tab, no-break and other Unicode spaces, zero-width space, BOM...): a value that looks empty.
-- cl_csv_field(x): a field quoted back into CSV, for the original row text.
CREATE OR REPLACE TEMP MACRO cl_bool(x) AS
    CASE lower(x)
        WHEN 'true' THEN true WHEN '1' THEN true WHEN 'yes' THEN true WHEN 'y' THEN true
        WHEN 'false' THEN false WHEN '0' THEN false WHEN 'no' THEN false WHEN 'n' THEN false
    END;
CREATE OR REPLACE TEMP MACRO cl_int(x) AS
    CASE WHEN regexp_matches(x, '^[+-]?[0-9]+([.]0*)?$') THEN TRY_CAST(x AS BIGINT) END;
CREATE OR REPLACE TEMP MACRO cl_num(x) AS
    CASE WHEN NOT contains(x, '_') AND isfinite(TRY_CAST(x AS DOUBLE)) THEN TRY_CAST(x AS DOUBLE) END;
CREATE OR REPLACE TEMP MACRO cl_ts(x) AS
    CASE WHEN regexp_matches(x, '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?$')
         THEN TRY_CAST(x AS TIMESTAMP)
         WHEN regexp_matches(x, '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$')
         THEN TRY_CAST(x AS TIMESTAMPTZ) AT TIME ZONE 'UTC' END;
CREATE OR REPLACE TEMP MACRO cl_date(x) AS
    CASE WHEN regexp_matches(x, '^[0-9]{4}-[0-9]{2}-[0-9]{2}$') THEN TRY_CAST(x AS DATE) END;
CREATE OR REPLACE TEMP MACRO cl_blank(x) AS
    NOT (ascii(x) BETWEEN 33 AND 126) AND regexp_full_match(x, '[\s\p{Z}\p{Cf}]+');
CREATE OR REPLACE TEMP MACRO cl_csv_field(x) AS
    CASE WHEN x IS NULL THEN ''
         WHEN regexp_matches(x, '[",\r\n]') THEN '"' || replace(x, '"', '""') || '"'
         ELSE x END;
