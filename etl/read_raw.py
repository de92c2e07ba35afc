"""Read one source file with DuckDB's own readers, as text, in file order.

:func:`prepare` checks the file's header (or keys, or schema) against the
contract and returns a :class:`RawSource`: a SQL ``SELECT`` that yields one
text column per contract column (NULL where the file has none), the row's
fields as written (``_r0``, ``_r1``, ...) and, for JSON Lines and Parquet, its
line or row number. :mod:`etl.validate` wraps that SELECT in a single pass
that casts and checks every value. :func:`finish` then collects the rows the
reader itself could not split (short or long rows, an unterminated quote,
invalid UTF-8, a JSON line that is not an object) and, for CSV, numbers the
lines: the reader keeps file order, so a row's position in the staged table
counts the rows before it, and each line the reader rejected, or a blank
line, pushes it one line further down. Line numbers count the header as line
1 and a quoted field spanning lines as one line, as DuckDB's reader does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from etl.errors import LoadError
from etl.sources import SourceFile, match_columns, read_csv_header
from etl.sql_text import insert_many, lit, q

REJECTS_TABLE = "cl_reader_rejects"
REJECTS_SCAN = "cl_reader_scans"
_LINE_DELIM = "\x01"  # never inside valid JSON text, so each line is one field

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


@dataclass
class RawSource:
    """How to read one file: a SELECT of text columns, and how to show a row as written."""

    select: str
    text: str
    has_line: bool
    text_in_stage: bool = True
    """False for CSV: carrying every field through validation costs more than re-reading
    the file for the (usually few) rejected rows."""
    scan_before: int = -1
    rejects: list[ParseReject] = field(default_factory=list)


def prepare(con: duckdb.DuckDBPyConnection, src: SourceFile, i: int) -> RawSource:
    """Check ``src`` against the contract and return the SELECT that reads it."""
    reader = {"csv": _csv, "jsonl": _jsonl, "parquet": _parquet}[src.format]
    try:
        return reader(con, src, i)
    except duckdb.Error as exc:
        raise cannot_read(src, exc) from exc


def cannot_read(src: SourceFile, exc: Exception) -> LoadError:
    """The LoadError for a file DuckDB's reader gave up on."""
    return LoadError(src.path, f"cannot be read as {src.format.upper()}: {str(exc).splitlines()[0]}")


def finish(con: duckdb.DuckDBPyConnection, src: SourceFile, i: int, raw: RawSource) -> list[ParseReject]:
    """After ``s{i}`` is staged: create view ``v{i}`` with ``_file_idx`` and ``_line``.

    Returns every row the reader rejected.
    """
    if raw.has_line:
        con.execute(f"CREATE OR REPLACE TEMP VIEW v{i} AS SELECT {i} AS _file_idx, * FROM s{i}")
        return raw.rejects
    rejects = _reader_rejects(con, raw.scan_before)
    excluded = {r.line for r in rejects}
    if src.has_blank_lines:
        excluded |= _blank_lines(con, src)
    _number_lines(con, i, excluded, first_line=2)
    return rejects


def row_texts(con: duckdb.DuckDBPyConnection, src: SourceFile, i: int, raw: RawSource,
              lines: list[int]) -> dict[int, str]:
    """The rows at ``lines`` as written, for rows rejected after staging (rare: re-reads the file)."""
    if not lines:
        return {}
    con.execute("CREATE OR REPLACE TEMP TABLE cl_want (line BIGINT)")
    insert_many(con, "INSERT INTO cl_want VALUES (?)", [(n,) for n in lines])
    con.execute(f"CREATE OR REPLACE TEMP TABLE cl_reread AS SELECT "
                f"{'_line, ' if raw.has_line else ''}{raw.text} AS t FROM ({_quiet(raw.select)})")
    if raw.has_line:
        rows = con.execute("SELECT _line, t FROM cl_reread WHERE _line IN (SELECT line FROM cl_want)")
    else:
        rows = con.execute(f"SELECT v._line, r.t FROM v{i} v JOIN cl_reread r ON r.rowid = v._rowid "
                           f"WHERE v._line IN (SELECT line FROM cl_want)")
    found = dict(rows.fetchall())
    con.execute("DROP TABLE cl_reread")
    return found


def _quiet(select: str) -> str:
    """The same read, without recording reader rejects a second time."""
    return select.replace(f"store_rejects = true, rejects_table = '{REJECTS_TABLE}', "
                          f"rejects_scan = '{REJECTS_SCAN}', rejects_limit = 0",
                          "ignore_errors = true")


def _fields(src: SourceFile, field_sql) -> str:
    cols = []
    for name in src.entity.column_names:
        own = src.columns.get(name)
        cols.append(f"{field_sql(own)} AS {q(name)}" if own is not None else f"NULL::VARCHAR AS {q(name)}")
    return ", ".join(cols)


def _csv(con, src: SourceFile, i: int) -> RawSource:
    header = read_csv_header(src)
    match_columns(src, header)
    columns = "{" + ", ".join(f"{lit(h)}: 'VARCHAR'" for h in header) + "}"
    reader = (f"read_csv({lit(str(src.path))}, columns = {columns}, header = true, delim = ',', "
              f"quote = '\"', escape = '\"', auto_detect = false, strict_mode = true, "
              f"null_padding = false, encoding = 'utf-8', "
              f"store_rejects = true, rejects_table = '{REJECTS_TABLE}', "
              f"rejects_scan = '{REJECTS_SCAN}', rejects_limit = 0)")
    raws = ", ".join(f"{q(h)} AS _r{n}" for n, h in enumerate(header))
    text = "concat_ws(',', " + ", ".join(f"cl_csv_field(_r{n})" for n in range(len(header))) + ")"
    return RawSource(f"SELECT {raws}, {_fields(src, q)} FROM {reader}", text, has_line=False,
                     text_in_stage=False, scan_before=_last_scan(con))


def _jsonl(con, src: SourceFile, i: int) -> RawSource:
    before = _last_scan(con)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE f{i} AS SELECT * FROM read_csv({lit(str(src.path))}, "
        f"columns = {{'j': 'VARCHAR'}}, header = false, delim = {lit(_LINE_DELIM)}, quote = '', "
        f"escape = '', auto_detect = false, encoding = 'utf-8', store_rejects = true, "
        f"rejects_table = '{REJECTS_TABLE}', rejects_scan = '{REJECTS_SCAN}', rejects_limit = 0)"
    )
    rejects = _reader_rejects(con, before)
    _number_lines(con, i, {r.line for r in rejects}, first_line=1, table=f"f{i}", view=f"n{i}")
    is_object = "coalesce(CASE WHEN json_valid(j) THEN json_type(j) = 'OBJECT' END, false)"
    bad = con.execute(f"SELECT _line, j FROM n{i} WHERE trim(j) <> '' AND NOT ({is_object})").fetchall()
    rejects += [ParseReject(n, None, "not a JSON object", text) for n, text in bad]
    keys = [k for (k,) in con.execute(
        f"SELECT DISTINCT unnest(json_keys(CASE WHEN {is_object} THEN j END)) FROM n{i} "
        f"WHERE trim(j) <> ''"
    ).fetchall()]
    if not keys and not rejects:
        raise LoadError(src.path, "file has no JSON lines")
    match_columns(src, sorted(keys))
    fields = _fields(src, lambda own: f"json_extract_string(j, {lit('$.' + _json_path(own))})")
    select = f"SELECT _line, j AS _r0, {fields} FROM n{i} WHERE trim(j) <> '' AND {is_object}"
    return RawSource(select, "_r0", has_line=True, rejects=rejects)


def _parquet(con, src: SourceFile, i: int) -> RawSource:
    path = lit(str(src.path))
    names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({path})").fetchall()]
    match_columns(src, names)
    raws = ", ".join(f"CAST({q(n)} AS VARCHAR) AS _r{k}" for k, n in enumerate(names))
    fields = _fields(src, lambda own: f"CAST({q(own)} AS VARCHAR)")
    text = "json_object(" + ", ".join(f"{lit(n)}, _r{k}" for k, n in enumerate(names)) + ")::VARCHAR"
    select = (f"SELECT file_row_number + 1 AS _line, {raws}, {fields} "
              f"FROM read_parquet({path}, file_row_number = true)")
    return RawSource(select, text, has_line=True)


def _json_path(name: str) -> str:
    return '"' + name.replace('"', '\\"') + '"'


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
        f"SELECT line, any_value(column_name), list(DISTINCT error_type::VARCHAR), any_value(csv_line), "
        f"any_value(regexp_extract(error_message, 'Columns: ([0-9]+) Found: ([0-9]+)', "
        f"['expected', 'found'])) FROM {REJECTS_TABLE} WHERE scan_id > $after "
        f"GROUP BY line ORDER BY line",
        {"after": after_scan},
    ).fetchall()
    return [ParseReject(int(line), column, _parse_rule(types, column, counts), text)
            for line, column, types, text, counts in rows]


def _parse_rule(types: list[str], column: str | None, counts: dict | None) -> str:
    rules = []
    for t in types:
        rule = _PARSE_RULES.get(t, t.lower())
        if t == "MISSING COLUMNS" and counts and counts["found"]:
            rule += f" ({counts['found']} of {counts['expected']} fields; ends before {column})"
        elif t == "TOO MANY COLUMNS" and counts and counts["found"]:
            rule += f" ({counts['found']} fields, the header has {counts['expected']})"
        rules.append(rule)
    return "; ".join(rules)


def _blank_lines(con, src: SourceFile) -> set[int]:
    rows = con.execute(
        f"SELECT n FROM (SELECT row_number() OVER () AS n, l FROM read_csv({lit(str(src.path))}, "
        f"columns = {{'l': 'VARCHAR'}}, header = false, delim = {lit(_LINE_DELIM)}, quote = '', "
        f"escape = '', auto_detect = false, parallel = false)) WHERE l IS NULL OR trim(l) = ''"
    ).fetchall()
    return {int(n) for (n,) in rows}


def _number_lines(con, i: int, excluded: set[int], first_line: int,
                  table: str | None = None, view: str | None = None) -> None:
    """Create a view of ``table`` (default ``s{i}``) adding ``_line`` (and ``_file_idx``)."""
    table = table or f"s{i}"
    view = view or f"v{i}"
    head = f"{i} AS _file_idx, " if view == f"v{i}" else ""
    ordered = sorted(n for n in excluded if n >= first_line)
    if not ordered:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {head}rowid + {first_line} AS _line, "
                    f"rowid AS _rowid, * FROM {table}")
        return
    # g = how many kept rows come before the k-th excluded line.
    con.execute(f"CREATE OR REPLACE TEMP TABLE x{i} (g BIGINT, k BIGINT)")
    insert_many(con, f"INSERT INTO x{i} VALUES (?, ?)",
                [(n - first_line - k, k + 1) for k, n in enumerate(ordered)])
    con.execute(f"CREATE OR REPLACE TEMP TABLE y{i} AS SELECT g, max(k) AS k FROM x{i} GROUP BY g")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {head}"
                f"t.rowid + {first_line} + coalesce(y.k, 0) AS _line, t.rowid AS _rowid, t.* "
                f"FROM {table} t ASOF LEFT JOIN y{i} y ON t.rowid >= y.g")
