"""Read one source file with DuckDB's own readers, as text, in file order.

:func:`prepare` checks the file's header (or keys, or schema) against the
contract and returns a :class:`RawSource`: a SQL ``SELECT`` that yields one
text column per contract column (NULL where the file has none), the row's
fields as written (``_r0``, ``_r1``, ...) and, for JSON Lines and Parquet, its
line or row number. :mod:`calmline.etl.validate` wraps that SELECT in a single pass
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

from calmline.etl import work_tables
from calmline.etl.errors import LoadError
from calmline.etl.sources import SourceFile, match_columns, read_csv_header
from calmline.etl.sql_text import insert_many, lit, q

REJECTS_TABLE = work_tables.READER_REJECTS
REJECTS_SCAN = work_tables.READER_SCANS
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
    files: list[tuple[int, SourceFile]] = field(default_factory=list)
    """The files this SELECT reads, in the order their rows come, with their indexes."""
    single: dict[int, str] = field(default_factory=dict)
    """CSV: a SELECT reading only file i, to fetch rejected rows' text."""
    trim: bool = True
    """False when no value read can change under ``trim`` (see :func:`calmline.etl.sources.scan_field_edges`)."""


def group_files(indexed: list[tuple[int, SourceFile]]) -> list[list[tuple[int, SourceFile]]]:
    """Batch files DuckDB can read in one pass: consecutive CSV files of one entity with the same header.

    One multi-file read keeps both cores busy; reading a dozen monthly files one
    by one costs about 1.7 times as long. Checks every CSV header on the way.
    """
    groups: list[list[tuple[int, SourceFile]]] = []
    last_key = None
    for i, src in indexed:
        key = None
        if src.format == "csv":
            header = read_csv_header(src)
            match_columns(src, header)
            key = (src.entity.name, tuple(header))
        if key is not None and key == last_key:
            groups[-1].append((i, src))
        else:
            groups.append([(i, src)])
        last_key = key
    return groups


def prepare(con: duckdb.DuckDBPyConnection, files: list[tuple[int, SourceFile]]) -> RawSource:
    """Check the files against the contract and return the SELECT that reads them."""
    i, src = files[0]
    try:
        if src.format == "csv":
            return _csv(con, files)
        return {"jsonl": _jsonl, "parquet": _parquet}[src.format](con, src, i)
    except duckdb.Error as exc:
        raise cannot_read(src, exc) from exc


def cannot_read(src: SourceFile, exc: Exception) -> LoadError:
    """The LoadError for a file DuckDB's reader gave up on."""
    return LoadError(src.path, f"cannot be read as {src.format.upper()}: {str(exc).splitlines()[0]}")


def finish(con: duckdb.DuckDBPyConnection, raw: RawSource,
           base_rowid: int) -> tuple[dict[int, list[ParseReject]], dict[int, int]]:
    """After the files of ``raw`` are staged (their rows from ``base_rowid`` on): fix the staged
    rows' lines where lines were left out.

    Returns, per file index, the rows the reader rejected and the rowid of the file's first row.
    """
    if raw.has_line:
        return {raw.files[0][0]: raw.rejects}, {raw.files[0][0]: base_rowid}
    rejects = _reader_rejects(con, raw.scan_before, {str(src.path): i for i, src in raw.files})
    table = f"{work_tables.staged(raw.files[0][1].entity.name)}"
    counts = dict(con.execute(f"SELECT _file_idx, count(*) FROM {table} WHERE rowid >= $base "
                              f"GROUP BY ALL", {"base": base_rowid}).fetchall())
    first_rowid = base_rowid
    firsts = {}
    for i, src in raw.files:
        firsts[i] = first_rowid
        excluded = {r.line for r in rejects[i]}
        if src.has_blank_lines:
            excluded |= _blank_lines(con, src)
        ordered = sorted(n for n in excluded if n >= 2)
        if ordered:
            _exclusions(con, i, ordered, first_line=2)
            con.execute(
                f"UPDATE {table} SET _line = m.line FROM ("
                f"  SELECT t.rid, t.r + 2 + coalesce(y.k, 0) AS line FROM ("
                f"    SELECT rowid AS rid, rowid - {first_rowid} AS r FROM {table} WHERE _file_idx = {i}) t"
                f"  ASOF LEFT JOIN {work_tables.line_offsets(i)} y ON t.r >= y.g) m "
                f"WHERE {table}.rowid = m.rid")
        first_rowid += counts.get(i, 0)
    return rejects, firsts


def row_texts(con: duckdb.DuckDBPyConnection, src: SourceFile, i: int, raw: RawSource,
              lines: list[int]) -> dict[int, str]:
    """The rows at ``lines`` as written, for rows rejected after staging (re-reads the file).

    Only CSV rows need this (the other readers keep the text while staging); it
    happens only for files with rejected rows.
    """
    if not lines:
        return {}
    con.execute(f"CREATE OR REPLACE TEMP TABLE {work_tables.WANTED_LINES} (line BIGINT)")
    insert_many(con, f"INSERT INTO {work_tables.WANTED_LINES} VALUES (?)", [(n,) for n in lines])
    select = raw.single.get(i, raw.select)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {work_tables.REREAD} AS SELECT "
                f"{'_line, ' if raw.has_line else ''}{raw.text} AS t FROM ({select})")
    if raw.has_line:
        rows = con.execute(f"SELECT _line, t FROM {work_tables.REREAD} WHERE _line IN "
                           f"(SELECT line FROM {work_tables.WANTED_LINES})")
    else:
        rows = con.execute(f"SELECT s._line, r.t FROM {work_tables.stage(src.entity.name)} s "
                           f"JOIN {work_tables.REREAD} r ON r.rowid = s._row_in_file "
                           f"WHERE s._file_idx = {i} AND s._line IN (SELECT line FROM {work_tables.WANTED_LINES})")
    found = dict(rows.fetchall())
    con.execute(f"DROP TABLE {work_tables.REREAD}")
    return found


def _fields(src: SourceFile, field_sql) -> str:
    cols = []
    for name in src.entity.column_names:
        own = src.columns.get(name)
        cols.append(f"{field_sql(own)} AS {q(name)}" if own is not None else f"NULL::VARCHAR AS {q(name)}")
    return ", ".join(cols)


def _csv(con, files: list[tuple[int, SourceFile]]) -> RawSource:
    """One SELECT over CSV files that share a header (checked by :func:`group_files`)."""
    src = files[0][1]
    header = read_csv_header(src)
    columns = "{" + ", ".join(f"{lit(h)}: 'VARCHAR'" for h in header) + "}"
    parsing = (f"columns = {columns}, header = true, delim = ',', quote = '\"', escape = '\"', "
               f"auto_detect = false, strict_mode = true, null_padding = false, encoding = 'utf-8'")
    options = (f"{parsing}, store_rejects = true, rejects_table = '{REJECTS_TABLE}', "
               f"rejects_scan = '{REJECTS_SCAN}', rejects_limit = 0")
    raws = ", ".join(f"{q(h)} AS _r{n}" for n, h in enumerate(header))
    text = "concat_ws(',', " + ", ".join(f"cl_csv_field(_r{n})" for n in range(len(header))) + ")"
    paths = "[" + ", ".join(lit(str(s.path)) for _, s in files) + "]"
    which = "CASE filename " + " ".join(f"WHEN {lit(str(s.path))} THEN {i}" for i, s in files) + " END"
    select = (f"SELECT {which} AS _file_idx, {raws}, {_fields(src, q)} "
              f"FROM read_csv({paths}, {options}, filename = true)")
    # Re-reading one file for rejected rows' text skips the rows the reader rejected, as the
    # first read did, without recording them again.
    single = {i: f"SELECT {raws} FROM read_csv({lit(str(s.path))}, {parsing}, ignore_errors = true)"
              for i, s in files}
    return RawSource(select, text, has_line=False, text_in_stage=False,
                     scan_before=_last_scan(con), files=list(files), single=single,
                     trim=any(s.may_need_trim for _, s in files))


def _jsonl(con, src: SourceFile, i: int) -> RawSource:
    before = _last_scan(con)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {work_tables.raw_file(i)} AS SELECT * FROM read_csv({lit(str(src.path))}, "
        f"columns = {{'j': 'VARCHAR'}}, header = false, delim = {lit(_LINE_DELIM)}, quote = '', "
        f"escape = '', auto_detect = false, encoding = 'utf-8', store_rejects = true, "
        f"rejects_table = '{REJECTS_TABLE}', rejects_scan = '{REJECTS_SCAN}', rejects_limit = 0)"
    )
    rejects = _reader_rejects(con, before, {str(src.path): i})[i]
    _number_lines(con, i, {r.line for r in rejects})
    is_object = "coalesce(CASE WHEN json_valid(j) THEN json_type(j) = 'OBJECT' END, false)"
    bad = con.execute(f"SELECT _line, j FROM {work_tables.numbered(i)} WHERE trim(j) <> '' AND NOT ({is_object})").fetchall()
    rejects += [ParseReject(n, None, "not a JSON object", text) for n, text in bad]
    keys = [k for (k,) in con.execute(
        f"SELECT DISTINCT unnest(json_keys(CASE WHEN {is_object} THEN j END)) FROM {work_tables.numbered(i)} "
        f"WHERE trim(j) <> ''"
    ).fetchall()]
    if not keys and not rejects:
        raise LoadError(src.path, "file has no JSON lines")
    match_columns(src, sorted(keys))
    fields = _fields(src, lambda own: f"json_extract_string(j, {lit('$.' + _json_path(own))})")
    select = (f"SELECT {i} AS _file_idx, _line, j AS _r0, {fields} FROM {work_tables.numbered(i)} "
              f"WHERE trim(j) <> '' AND {is_object}")
    return RawSource(select, "_r0", has_line=True, rejects=rejects, files=[(i, src)])


def _parquet(con, src: SourceFile, i: int) -> RawSource:
    path = lit(str(src.path))
    names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({path})").fetchall()]
    match_columns(src, names)
    raws = ", ".join(f"CAST({q(n)} AS VARCHAR) AS _r{k}" for k, n in enumerate(names))
    fields = _fields(src, lambda own: f"CAST({q(own)} AS VARCHAR)")
    text = "json_object(" + ", ".join(f"{lit(n)}, _r{k}" for k, n in enumerate(names)) + ")::VARCHAR"
    select = (f"SELECT {i} AS _file_idx, file_row_number + 1 AS _line, {raws}, {fields} "
              f"FROM read_parquet({path}, file_row_number = true)")
    return RawSource(select, text, has_line=True, files=[(i, src)])


def _json_path(name: str) -> str:
    return '"' + name.replace('"', '\\"') + '"'


def _last_scan(con) -> int:
    """The highest reader scan id recorded so far (-1 before the first)."""
    try:
        return con.execute(f"SELECT coalesce(max(scan_id), -1) FROM {REJECTS_SCAN}").fetchone()[0]
    except duckdb.CatalogException:
        return -1


def _reader_rejects(con, after_scan: int, by_path: dict[str, int]) -> dict[int, list[ParseReject]]:
    """Rows the reader rejected since scan ``after_scan``, per file index (``by_path`` maps a
    file's path to its index)."""
    per_file: dict[int, list[ParseReject]] = {i: [] for i in by_path.values()}
    if after_scan == _last_scan(con):
        return per_file
    rows = con.execute(
        f"SELECT s.file_path, e.line, any_value(e.column_name), list(DISTINCT e.error_type::VARCHAR), "
        f"any_value(e.csv_line), any_value(regexp_extract(e.error_message, "
        f"'Columns: ([0-9]+) Found: ([0-9]+)', ['expected', 'found'])) "
        f"FROM {REJECTS_TABLE} e JOIN {REJECTS_SCAN} s USING (scan_id, file_id) "
        f"WHERE e.scan_id > $after GROUP BY ALL ORDER BY 1, 2",
        {"after": after_scan},
    ).fetchall()
    for path, line, column, types, text, counts in rows:
        per_file[by_path[path]].append(ParseReject(int(line), column, _parse_rule(types, column, counts), text))
    return per_file


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


def _exclusions(con, i: int, ordered: list[int], first_line: int) -> None:
    """Tables :func:`work_tables.line_marks` and ``line_offsets`` (g, k): the k-th excluded line comes after g kept rows."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {work_tables.line_marks(i)} (g BIGINT, k BIGINT)")
    insert_many(con, f"INSERT INTO {work_tables.line_marks(i)} VALUES (?, ?)",
                [(n - first_line - k, k + 1) for k, n in enumerate(ordered)])
    con.execute(f"CREATE OR REPLACE TEMP TABLE {work_tables.line_offsets(i)} AS SELECT g, max(k) AS k FROM {work_tables.line_marks(i)} GROUP BY g")


def _number_lines(con, i: int, excluded: set[int]) -> None:
    """View :func:`work_tables.numbered`: the JSON lines of the raw file with ``_line``, skipping lines the reader rejected."""
    ordered = sorted(n for n in excluded if n >= 1)
    if not ordered:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {work_tables.numbered(i)} AS SELECT rowid + 1 AS _line, * FROM {work_tables.raw_file(i)}")
        return
    _exclusions(con, i, ordered, first_line=1)
    con.execute(f"CREATE OR REPLACE TEMP VIEW {work_tables.numbered(i)} AS SELECT t.rowid + 1 + coalesce(y.k, 0) AS _line, t.* "
                f"FROM {work_tables.raw_file(i)} t ASOF LEFT JOIN {work_tables.line_offsets(i)} y ON t.rowid >= y.g")
