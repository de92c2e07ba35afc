"""Read one source file with DuckDB's own readers into a raw, all-text view.

Every file becomes a temporary table ``f{i}`` (its fields as text, in file
order) and a view ``raw{i}`` with ``_line`` (the line the row starts on for
CSV and JSON Lines, counting the header as line 1; the row number for
Parquet), one text column per contract column (NULL where the file has no such
column) and ``_text``, the row as written, for the rejected-rows table.
Rows the reader itself could not split (short or long rows, an unterminated
quote, invalid UTF-8, a JSON line that is not an object) are returned as parse
rejects instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from etl.errors import LoadError
from etl.sources import SourceFile, match_columns, read_csv_header
from etl.sql_text import insert_many, lit, q

REJECTS_TABLE = "cl_reader_rejects"
REJECTS_SCAN = "cl_reader_scans"
_JSON_DELIM = "\x01"  # never inside valid JSON text, so each line is one field

_PARSE_RULES = {
    "MISSING COLUMNS": "short row: fewer fields than the header",
    "TOO MANY COLUMNS": "long row: more fields than the header",
    "UNQUOTED VALUE": "unterminated or stray quote; the row could not be split into fields",
    "INVALID ENCODING": "not valid UTF-8 text",
    "INVALID UNICODE": "not valid UTF-8 text",
    "LINE SIZE OVER MAXIMUM": "row is longer than the maximum line size",
}


@dataclass
class ParseReject:
    """A row the reader could not split into fields."""

    line: int
    column: str | None
    rule: str
    text: str | None


def read_file(con: duckdb.DuckDBPyConnection, src: SourceFile, i: int) -> list[ParseReject]:
    """Create ``f{i}`` and ``raw{i}`` for ``src``; return the rows the reader rejected."""
    reader = {"csv": _read_csv, "jsonl": _read_jsonl, "parquet": _read_parquet}[src.format]
    try:
        return reader(con, src, i)
    except duckdb.Error as exc:
        raise LoadError(src.path, f"cannot be read as {src.format.upper()}: "
                                  f"{str(exc).splitlines()[0]}") from exc


def _read_csv(con, src: SourceFile, i: int) -> list[ParseReject]:
    header = read_csv_header(src)
    match_columns(src, header)
    columns = "{" + ", ".join(f"{lit(h)}: 'VARCHAR'" for h in header) + "}"
    before = _last_scan(con)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE f{i} AS SELECT * FROM read_csv({lit(str(src.path))}, "
        f"columns = {columns}, header = true, delim = ',', quote = '\"', escape = '\"', "
        f"auto_detect = false, strict_mode = true, null_padding = false, encoding = 'utf-8', "
        f"store_rejects = true, rejects_table = '{REJECTS_TABLE}', "
        f"rejects_scan = '{REJECTS_SCAN}', rejects_limit = 0)"
    )
    rejects = _reader_rejects(con, before)
    excluded = {r.line for r in rejects}
    if src.has_blank_lines:
        excluded |= _blank_lines(con, src)
    _number_lines(con, f"f{i}", i, excluded, first_line=2)
    text = "concat_ws(',', " + ", ".join(f"cl_csv_field({q(h)})" for h in header) + ")"
    _raw_view(con, src, i, text, lambda name: q(name))
    return rejects


def _read_jsonl(con, src: SourceFile, i: int) -> list[ParseReject]:
    before = _last_scan(con)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE f{i} AS SELECT * FROM read_csv({lit(str(src.path))}, "
        f"columns = {{'j': 'VARCHAR'}}, header = false, delim = {lit(_JSON_DELIM)}, quote = '', "
        f"escape = '', auto_detect = false, encoding = 'utf-8', store_rejects = true, "
        f"rejects_table = '{REJECTS_TABLE}', rejects_scan = '{REJECTS_SCAN}', rejects_limit = 0)"
    )
    rejects = _reader_rejects(con, before)
    _number_lines(con, f"f{i}", i, {r.line for r in rejects}, first_line=1)
    bad = con.execute(
        f"SELECT _line, j FROM n{i} WHERE j IS NOT NULL AND trim(j) <> '' "
        f"AND (NOT json_valid(j) OR json_type(j::JSON) <> 'OBJECT')"
    ).fetchall()
    rejects += [ParseReject(n, None, "not a JSON object", text) for n, text in bad]
    keys = [k for (k,) in con.execute(
        f"SELECT DISTINCT unnest(json_keys(j::JSON)) FROM f{i} "
        f"WHERE json_valid(j) AND json_type(j::JSON) = 'OBJECT'").fetchall()]
    if not keys and not bad and not rejects:
        if con.execute(f"SELECT count(*) FROM f{i} WHERE trim(j) <> ''").fetchone()[0] == 0:
            raise LoadError(src.path, "file has no JSON lines")
    match_columns(src, sorted(keys))
    con.execute(f"CREATE OR REPLACE TEMP VIEW g{i} AS SELECT * FROM n{i} WHERE j IS NOT NULL "
                f"AND trim(j) <> '' AND json_valid(j) AND json_type(j::JSON) = 'OBJECT'")
    _raw_view(con, src, i, "j",
              lambda name: f"json_extract_string(j, {lit('$.' + _json_path(name))})", table=f"g{i}")
    return rejects


def _read_parquet(con, src: SourceFile, i: int) -> list[ParseReject]:
    path = lit(str(src.path))
    names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({path})").fetchall()]
    match_columns(src, names)
    casts = ", ".join(f"CAST({q(n)} AS VARCHAR) AS {q(n)}" for n in names)
    con.execute(f"CREATE OR REPLACE TEMP TABLE f{i} AS SELECT file_row_number + 1 AS _line, {casts} "
                f"FROM read_parquet({path}, file_row_number = true)")
    text = "json_object(" + ", ".join(f"{lit(n)}, {q(n)}" for n in names) + ")::VARCHAR"
    _raw_view(con, src, i, text, lambda name: q(name), table=f"f{i}")
    return []


def _json_path(name: str) -> str:
    return '"' + name.replace('"', '\\"') + '"'


def _raw_view(con, src: SourceFile, i: int, text: str, field, table: str | None = None) -> None:
    cols = []
    for name in src.entity.column_names:
        own = src.columns.get(name)
        cols.append(f"{field(own)} AS {q(name)}" if own is not None else f"NULL::VARCHAR AS {q(name)}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW raw{i} AS SELECT _line, "
                f"{', '.join(cols)}, {text} AS _text FROM {table or f'n{i}'}")


def _last_scan(con) -> int:
    """The highest reader scan id recorded so far (-1 before the first)."""
    try:
        return con.execute(f"SELECT coalesce(max(scan_id), -1) FROM {REJECTS_SCAN}").fetchone()[0]
    except duckdb.CatalogException:
        return -1


def _reader_rejects(con, after_scan: int) -> list[ParseReject]:
    if after_scan == _last_scan(con):
        return []
    rows = con.execute(
        f"SELECT line, any_value(column_name), list(DISTINCT error_type::VARCHAR), any_value(csv_line) "
        f"FROM {REJECTS_TABLE} WHERE scan_id > $after GROUP BY line ORDER BY line",
        {"after": after_scan},
    ).fetchall()
    return [ParseReject(int(line), column, "; ".join(_PARSE_RULES.get(t, t.lower()) for t in types), text)
            for line, column, types, text in rows]


def _blank_lines(con, src: SourceFile) -> set[int]:
    rows = con.execute(
        f"SELECT n FROM (SELECT row_number() OVER () AS n, l FROM read_csv({lit(str(src.path))}, "
        f"columns = {{'l': 'VARCHAR'}}, header = false, delim = {lit(_JSON_DELIM)}, quote = '', "
        f"escape = '', auto_detect = false, parallel = false)) WHERE l IS NULL OR trim(l) = ''"
    ).fetchall()
    return {int(n) for (n,) in rows}


def _number_lines(con, table: str, i: int, excluded: set[int], first_line: int) -> None:
    """Create view ``n{i}``: ``table`` plus ``_line``, counting past the header and excluded lines.

    The reader keeps file order, so a kept row's rowid counts the kept rows
    before it; each excluded line (rejected by the reader, or blank) before it
    pushes it one line further down.
    """
    ordered = sorted(n for n in excluded if n >= first_line)
    if not ordered:
        con.execute(f"CREATE OR REPLACE TEMP VIEW n{i} AS SELECT *, rowid + {first_line} AS _line "
                    f"FROM {table}")
        return
    # g = how many kept rows come before the k-th excluded line.
    con.execute(f"CREATE OR REPLACE TEMP TABLE x{i} (g BIGINT, k BIGINT)")
    insert_many(con, f"INSERT INTO x{i} VALUES (?, ?)",
                    [(n - first_line - k, k + 1) for k, n in enumerate(ordered)])
    con.execute(f"CREATE OR REPLACE TEMP TABLE y{i} AS SELECT g, max(k) AS k FROM x{i} GROUP BY g")
    con.execute(f"CREATE OR REPLACE TEMP VIEW n{i} AS SELECT t.*, "
                f"t.rowid + {first_line} + coalesce(y.k, 0) AS _line "
                f"FROM {table} t ASOF LEFT JOIN y{i} y ON t.rowid >= y.g")
