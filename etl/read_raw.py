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

Rows the reader could not use are kept in one table, ``work_tables.PARSE_REJECTS``
(``_file_idx``, ``line``, ``column_name``, ``rule``, ``text``), written set-wise from the
reader's own rejects table: a file whose every row is broken costs no more Python than a
clean one. Paths reach DuckDB through :func:`calmline.etl.sql_text.path_lit`, which escapes
glob characters, so a file named ``calls*.csv`` is read alone, as a literal path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from calmline.etl import work_tables
from calmline.etl.errors import LoadError
from calmline.etl.sources import SourceFile, match_columns, read_csv_header
from calmline.etl.sql_text import lit, path_lit, q

_LINE_DELIM = "\x01"  # never inside valid JSON text, so each line is one field

_PARSE_RULES = {
    "MISSING COLUMNS": "short row: fewer fields than the header",
    "TOO MANY COLUMNS": "long row: more fields than the header",
    "UNQUOTED VALUE": "unterminated or stray quote; the row could not be split into fields",
    "INVALID ENCODING": "not valid UTF-8 text",
    "INVALID UNICODE": "not valid UTF-8 text",
    "LINE SIZE OVER MAXIMUM": "row is longer than the maximum line size",
}
_NESTED = "a nested object or array, not a value"


@dataclass
class RawSource:
    """How to read one file: a SELECT of text columns, and how to show a row as written."""

    select: str
    text: str
    has_line: bool
    text_in_stage: bool = True
    """False for CSV: carrying every field through validation costs more than re-reading
    the file for the rejected rows."""
    scan_before: int = -1
    files: list[tuple[int, SourceFile]] = field(default_factory=list)
    """The files this SELECT reads, in the order their rows come, with their indexes."""
    single: dict[int, str] = field(default_factory=dict)
    """CSV: a SELECT reading only file i, to fetch rejected rows' text."""
    trim: bool = True
    """False when no value read can change under ``trim`` (see :func:`calmline.etl.sources.scan_field_edges`)."""
    empty_is_null: bool = False
    """True when the reader already gives NULL for every empty value (DuckDB's CSV reader does,
    quoted or not), so untrimmed values need no ``nullif(v, '')``."""


def create_parse_rejects(con: duckdb.DuckDBPyConnection) -> None:
    """Create the empty ``work_tables.PARSE_REJECTS``: rows a reader could not split into fields."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {work_tables.PARSE_REJECTS} (_file_idx INTEGER, line BIGINT, "
                f"column_name VARCHAR, rule VARCHAR, text VARCHAR)")


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
    """Check the files against the contract and return the SELECT that reads them.

    Writes the rows the reader rejects to ``work_tables.PARSE_REJECTS`` (JSON Lines; for CSV
    that happens in :func:`finish`)."""
    i, src = files[0]
    try:
        if src.format == "csv":
            return _csv(con, files)
        return {"jsonl": _jsonl, "parquet": _parquet}[src.format](con, src, i)
    except duckdb.Error as exc:
        raise cannot_read([s for _, s in files], exc) from exc


def cannot_read(files: list[SourceFile], exc: Exception) -> LoadError:
    """The LoadError for a file DuckDB's reader gave up on (one of ``files``: the one DuckDB
    names, else the first), with the line where the file's line ends change, if they do."""
    message = str(exc)
    src = files[0]
    named = re.search(r"^\s*file = (.+)$", message, re.MULTILINE)
    if named:
        src = next((s for s in files if str(s.path) == named.group(1).strip()), src)
    if src.format == "csv" and "state machine reached an invalid state" in message:
        mixed = _mixed_line_end(src.path)
        if mixed is not None:
            line, found, first = mixed
            return LoadError(src.path, f"mixed line ends: this line ends with {found}, line 1 with "
                                       f"{first}; save the file with one kind of line end", line=line)
    return LoadError(src.path, f"cannot be read as {src.format.upper()}: {message.splitlines()[0]}")


def _mixed_line_end(path: Path) -> tuple[int, str, str] | None:
    """(line, its line end, line 1's) for the first line whose end differs from line 1's, or None.

    Runs only after DuckDB's reader gave up on the file, to say where."""
    names = {b"\r\n": "CRLF", b"\n": "LF"}
    first = None
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.endswith(b"\n"):
                break
            end = b"\r\n" if line.endswith(b"\r\n") else b"\n"
            if first is None:
                first = end
            elif end != first:
                return number, names[end], names[first]
    return None


def finish(con: duckdb.DuckDBPyConnection, raw: RawSource, base_rowid: int) -> dict[int, int]:
    """After the files of ``raw`` are staged (their rows from ``base_rowid`` on): record the rows
    the CSV reader rejected in ``work_tables.PARSE_REJECTS`` and fix the staged rows' lines
    where lines were left out.

    Returns, per file index, the rowid of the file's first row.
    """
    if raw.has_line:
        return {raw.files[0][0]: base_rowid}
    _record_reader_rejects(con, raw.scan_before, raw.files)
    table = f"{work_tables.staged(raw.files[0][1].entity.name)}"
    counts = dict(con.execute(f"SELECT _file_idx, count(*) FROM {table} WHERE rowid >= $base "
                              f"GROUP BY ALL", {"base": base_rowid}).fetchall())
    first_rowid = base_rowid
    firsts = {}
    for i, src in raw.files:
        firsts[i] = first_rowid
        excluded = f"SELECT line AS n FROM {work_tables.PARSE_REJECTS} WHERE _file_idx = {i}"
        if src.has_blank_lines:
            excluded += f" UNION ALL {_blank_lines_sql(src)}"
        if _exclusions(con, i, excluded, first_line=2):
            con.execute(
                f"UPDATE {table} SET _line = m.line FROM ("
                f"  SELECT t.rid, t.r + 2 + coalesce(y.k, 0) AS line FROM ("
                f"    SELECT rowid AS rid, rowid - {first_rowid} AS r FROM {table} WHERE _file_idx = {i}) t"
                f"  ASOF LEFT JOIN {work_tables.line_offsets(i)} y ON t.r >= y.g) m "
                f"WHERE {table}.rowid = m.rid")
        first_rowid += counts.get(i, 0)
    return firsts


def parse_reject_count(con: duckdb.DuckDBPyConnection, i: int) -> int:
    """How many rows of file ``i`` the reader could not use."""
    return con.execute(f"SELECT count(*) FROM {work_tables.PARSE_REJECTS} WHERE _file_idx = $i",
                       {"i": i}).fetchone()[0]


def row_texts(con: duckdb.DuckDBPyConnection, src: SourceFile, i: int, raw: RawSource) -> None:
    """Table ``work_tables.REJECT_TEXTS`` (line, t): the rows of file ``i`` as written, at the
    lines of ``work_tables.REJECTED`` that have no text yet (rows rejected after staging).

    Re-reads the file once, whatever the number of rows; it happens only for files with
    such rows. Reads ``work_tables.stage(entity)`` for CSV rows' positions.
    """
    wanted = f"SELECT _line FROM {work_tables.REJECTED} WHERE _text IS NULL"
    if raw.has_line:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {work_tables.REJECT_TEXTS} AS "
                    f"SELECT _line AS line, {raw.text} AS t FROM ({raw.select}) "
                    f"WHERE _file_idx = {i} AND _line IN ({wanted})")
        return
    # rowid must be the row's position in the file: read in order, whatever the load's setting.
    con.execute("SET preserve_insertion_order = true")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {work_tables.REREAD} AS SELECT {raw.text} AS t "
                    f"FROM ({raw.single.get(i, raw.select)})")
    finally:
        con.execute("SET preserve_insertion_order = false")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {work_tables.REJECT_TEXTS} AS "
                f"SELECT s._line AS line, r.t FROM {work_tables.stage(src.entity.name)} s "
                f"JOIN {work_tables.REREAD} r ON r.rowid = s._row_in_file "
                f"WHERE s._file_idx = {i} AND s._line IN ({wanted})")
    con.execute(f"DROP TABLE {work_tables.REREAD}")


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
    options = (f"{parsing}, store_rejects = true, rejects_table = '{work_tables.READER_REJECTS}', "
               f"rejects_scan = '{work_tables.READER_SCANS}', rejects_limit = 0")
    raws = ", ".join(f"{q(h)} AS _r{n}" for n, h in enumerate(header))
    text = "concat_ws(',', " + ", ".join(f"cl_csv_field(_r{n})" for n in range(len(header))) + ")"
    paths = "[" + ", ".join(path_lit(s.path) for _, s in files) + "]"
    which = "CASE filename " + " ".join(f"WHEN {lit(str(s.path))} THEN {i}" for i, s in files) + " END"
    select = (f"SELECT {which} AS _file_idx, {raws}, {_fields(src, q)} "
              f"FROM read_csv({paths}, {options}, filename = true)")
    # Re-reading one file for rejected rows' text skips the rows the reader rejected, as the
    # first read did, without recording them again.
    single = {i: f"SELECT {raws} FROM read_csv({path_lit(s.path)}, {parsing}, ignore_errors = true)"
              for i, s in files}
    return RawSource(select, text, has_line=False, text_in_stage=False,
                     scan_before=_last_scan(con), files=list(files), single=single,
                     trim=any(s.may_need_trim for _, s in files), empty_is_null=True)


def _jsonl(con, src: SourceFile, i: int) -> RawSource:
    """Reads the file into ``work_tables.raw_file(i)``; writes its unusable lines to
    ``work_tables.PARSE_REJECTS``: lines the reader rejected, lines that are not an object, that
    repeat a key, spell a key differently from the file's other lines, or hold a nested object
    or array where the contract wants a value."""
    before = _last_scan(con)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {work_tables.raw_file(i)} AS SELECT * FROM read_csv({path_lit(src.path)}, "
        f"columns = {{'j': 'VARCHAR'}}, header = false, delim = {lit(_LINE_DELIM)}, quote = '', "
        f"escape = '', auto_detect = false, encoding = 'utf-8', store_rejects = true, "
        f"rejects_table = '{work_tables.READER_REJECTS}', rejects_scan = '{work_tables.READER_SCANS}', rejects_limit = 0)"
    )
    _record_reader_rejects(con, before, [(i, src)])
    _number_lines(con, i)
    numbered = work_tables.numbered(i)
    is_object = "coalesce(CASE WHEN json_valid(j) THEN json_type(j) = 'OBJECT' END, false)"
    key_sets = con.execute(
        f"SELECT json_keys(j) AS ks, count(*) FROM {numbered} WHERE trim(j) <> '' AND {is_object} "
        f"GROUP BY ks ORDER BY min(_line)").fetchall()
    spelling, bad = _key_spellings(key_sets)
    keys = [spelling[k] for k in spelling]
    if not keys and not parse_reject_count(con, i) and not con.execute(
            f"SELECT count(*) FROM {numbered} WHERE trim(j) <> ''").fetchone()[0]:
        raise LoadError(src.path, "file has no JSON lines")
    match_columns(src, keys)
    nested = " ".join(
        f"WHEN json_type(j, {lit('$.' + _json_path(own))}) IN ('OBJECT', 'ARRAY') "
        f"THEN {{'c': {lit(name)}, 'r': {lit(_NESTED)}}}" for name, own in src.columns.items())
    con.execute(
        f"INSERT INTO {work_tables.PARSE_REJECTS} SELECT {i}, _line, p.c, p.r, j FROM ("
        f"  SELECT _line, j, CASE WHEN NOT {is_object} THEN {{'c': NULL, 'r': 'not a JSON object'}} "
        f"    WHEN list_contains($bad_sets, json_keys(j)) "
        f"    THEN {{'c': NULL, 'r': $bad_rules[list_position($bad_sets, json_keys(j))]}} "
        f"    {nested} END AS p "
        f"  FROM {numbered} WHERE trim(j) <> '') WHERE p IS NOT NULL",
        {"bad_sets": [list(ks) for ks in bad] or [["\x00"]], "bad_rules": list(bad.values()) or [""]})
    fields = _fields(src, lambda own: f"json_extract_string(j, {lit('$.' + _json_path(own))})")
    select = (f"SELECT {i} AS _file_idx, _line, j AS _r0, {fields} FROM {numbered} "
              f"WHERE trim(j) <> '' AND _line NOT IN (SELECT line FROM {work_tables.PARSE_REJECTS} WHERE _file_idx = {i})")
    return RawSource(select, "_r0", has_line=True, files=[(i, src)])


def _key_spellings(key_sets: list[tuple[list[str], int]]) -> tuple[dict[str, str], dict[tuple, str]]:
    """The file's spelling of each key (the one most lines use), and the key sets whose lines
    are rejected, with why: a key twice on one line, or a key spelled differently (in case or
    spaces) from the file's other lines. One step per distinct key set, not per line."""
    lines_per: dict[str, dict[str, int]] = {}
    for ks, n in key_sets:
        for k in ks:
            per = lines_per.setdefault(k.strip().lower(), {})
            per[k] = per.get(k, 0) + n
    spelling = {norm: max(per, key=per.get) for norm, per in lines_per.items()}
    bad: dict[tuple, str] = {}
    for ks, _ in key_sets:
        norms = [k.strip().lower() for k in ks]
        twice = next((k for k, norm in zip(ks, norms) if norms.count(norm) > 1), None)
        if twice is not None:
            bad[tuple(ks)] = f"duplicate key {twice!r} on this line"
            continue
        odd = next((k for k, norm in zip(ks, norms) if spelling[norm] != k), None)
        if odd is not None:
            bad[tuple(ks)] = (f"key {odd!r} is spelled {spelling[odd.strip().lower()]!r} on the "
                              f"file's other lines")
    return spelling, bad


def _parquet(con, src: SourceFile, i: int) -> RawSource:
    path = path_lit(src.path)
    described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({path})").fetchall()
    names = [r[0] for r in described]
    types = {r[0]: r[1] for r in described}
    match_columns(src, names)
    kinds = {c.name: c.kind for c in src.entity.columns}
    own_kind = {own: kinds[name] for name, own in src.columns.items()}

    def as_text(own: str) -> str:
        # pandas writes a missing number as NaN and a date as a timestamp at midnight.
        if types[own] in ("FLOAT", "DOUBLE"):
            return f"CASE WHEN NOT isnan({q(own)}) THEN CAST({q(own)} AS VARCHAR) END"
        if own_kind.get(own) == "date" and types[own].startswith("TIMESTAMP") and "TIME ZONE" not in types[own]:
            return (f"CASE WHEN CAST({q(own)} AS TIMESTAMP) = CAST(CAST({q(own)} AS DATE) AS TIMESTAMP) "
                    f"THEN CAST(CAST({q(own)} AS DATE) AS VARCHAR) ELSE CAST({q(own)} AS VARCHAR) END")
        return f"CAST({q(own)} AS VARCHAR)"

    raws = ", ".join(f"CAST({q(n)} AS VARCHAR) AS _r{k}" for k, n in enumerate(names))
    fields = _fields(src, as_text)
    text = "json_object(" + ", ".join(f"{lit(n)}, _r{k}" for k, n in enumerate(names)) + ")::VARCHAR"
    select = (f"SELECT {i} AS _file_idx, file_row_number + 1 AS _line, {raws}, {fields} "
              f"FROM read_parquet({path}, file_row_number = true)")
    return RawSource(select, text, has_line=True, files=[(i, src)])


def _json_path(name: str) -> str:
    return '"' + name.replace('"', '\\"') + '"'


def _last_scan(con) -> int:
    """The highest reader scan id recorded so far (-1 before the first)."""
    try:
        return con.execute(f"SELECT coalesce(max(scan_id), -1) FROM {work_tables.READER_SCANS}").fetchone()[0]
    except duckdb.CatalogException:
        return -1


def _record_reader_rejects(con, after_scan: int, files: list[tuple[int, SourceFile]]) -> None:
    """Append to ``work_tables.PARSE_REJECTS`` the rows the reader rejected since scan
    ``after_scan`` (one row per line, every error type of the line in its rule)."""
    if after_scan == _last_scan(con):
        return
    which = "CASE file_path " + " ".join(f"WHEN {lit(str(s.path))} THEN {i}" for i, s in files) + " END"
    rules = " ".join(f"WHEN {lit(t)} THEN {lit(r)}" for t, r in _PARSE_RULES.items())
    con.execute(
        f"""
        INSERT INTO {work_tables.PARSE_REJECTS}
        SELECT {which}, line, column_name,
            array_to_string(list_transform(types, lambda t:
                CASE t {rules} ELSE lower(t) END
                || CASE WHEN t = 'MISSING COLUMNS' AND counts.found <> ''
                        THEN ' (' || counts.found || ' of ' || counts.expected || ' fields; ends before '
                             || column_name || ')'
                        WHEN t = 'TOO MANY COLUMNS' AND counts.found <> ''
                        THEN ' (' || counts.found || ' fields, the header has ' || counts.expected || ')'
                        ELSE '' END), '; '),
            text
        FROM (
            SELECT s.file_path, e.line, any_value(e.column_name) AS column_name,
                list_sort(list(DISTINCT e.error_type::VARCHAR)) AS types, any_value(e.csv_line) AS text,
                any_value(regexp_extract(e.error_message, 'Columns: ([0-9]+) Found: ([0-9]+)',
                                         ['expected', 'found'])) AS counts
            FROM {work_tables.READER_REJECTS} e JOIN {work_tables.READER_SCANS} s USING (scan_id, file_id)
            WHERE e.scan_id > $after GROUP BY ALL
        )
        """,
        {"after": after_scan},
    )


def _blank_lines_sql(src: SourceFile) -> str:
    """SQL listing the blank lines of a CSV file (column n)."""
    return (f"SELECT n FROM (SELECT row_number() OVER () AS n, l FROM read_csv({path_lit(src.path)}, "
            f"columns = {{'l': 'VARCHAR'}}, header = false, delim = {lit(_LINE_DELIM)}, quote = '', "
            f"escape = '', auto_detect = false, parallel = false)) WHERE l IS NULL OR trim(l) = ''")


def _exclusions(con, i: int, excluded: str, first_line: int) -> bool:
    """Tables :func:`work_tables.line_marks` and ``line_offsets`` (g, k): the k-th excluded line
    (of the lines ``excluded`` lists, column n) comes after g kept rows. Whether there is any."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {work_tables.line_marks(i)} AS "
        f"SELECT n - {first_line} - (k - 1) AS g, k FROM ("
        f"  SELECT n, row_number() OVER (ORDER BY n) AS k FROM (SELECT DISTINCT n FROM ({excluded}) "
        f"  WHERE n >= {first_line}))")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {work_tables.line_offsets(i)} AS SELECT g, max(k) AS k "
                f"FROM {work_tables.line_marks(i)} GROUP BY g")
    return con.execute(f"SELECT count(*) FROM {work_tables.line_offsets(i)}").fetchone()[0] > 0


def _number_lines(con, i: int) -> None:
    """View :func:`work_tables.numbered`: the JSON lines of the raw file with ``_line``, skipping
    lines the reader rejected (those in ``work_tables.PARSE_REJECTS`` so far)."""
    excluded = f"SELECT line AS n FROM {work_tables.PARSE_REJECTS} WHERE _file_idx = {i}"
    if not _exclusions(con, i, excluded, first_line=1):
        con.execute(f"CREATE OR REPLACE TEMP VIEW {work_tables.numbered(i)} AS SELECT rowid + 1 AS _line, * FROM {work_tables.raw_file(i)}")
        return
    con.execute(f"CREATE OR REPLACE TEMP VIEW {work_tables.numbered(i)} AS SELECT t.rowid + 1 + coalesce(y.k, 0) AS _line, t.* "
                f"FROM {work_tables.raw_file(i)} t ASOF LEFT JOIN {work_tables.line_offsets(i)} y ON t.rowid >= y.g")
