"""Read transcripts in any of the three forms into one turns table, rejecting what is unusable.

Forms (chosen by the file's extension):

- ``.jsonl`` / ``.ndjson``: JSON Lines, one call per line,
  ``{"call_id": ..., "turns": [{"speaker", "start_s", "end_s", "text"}, ...]}``.
  A row is a line (a call).
- ``.csv`` / ``.parquet``: one row per turn with columns call_id, turn, speaker, start_s,
  end_s, text. A row is a turn; when one turn of a call is rejected, the call's other rows
  are rejected with it (detection on part of a call would be wrong), each naming the line
  that caused it.
- ``.json``: Amazon Transcribe Call Analytics post-call output, one file per call, as the
  service writes it: a ``Transcript`` list of segments with ``ParticipantRole``
  (AGENT/CUSTOMER), ``BeginOffsetMillis``, ``EndOffsetMillis`` and ``Content``
  (https://docs.aws.amazon.com/transcribe/latest/dg/tca-output-batch.html). The call id is
  the file name's stem unless ``call_ids`` maps it. A row is a file (a call); a problem's
  line is the segment's 1-based position in ``Transcript``.

Every row read is either loaded or rejected, with the file, line (or row), column and
reason, in ``transcript_rejects`` (the ETL's ``rejected_rows`` shape) and counted per file in
:class:`calmline.etl.load_report.FileResult` records, so ``rows_read == rows_loaded +
rows_rejected`` per file. Rules: the speaker must be agent or customer (after
``speaker_map`` and case folding); times must be numbers, not negative, with ``end_s >=
start_s``; a turn may not start before the turn before it (overlap is fine: phone calls
overlap, chats do not, both are valid); text may not be empty; the JSON must be valid and
the file valid UTF-8; a call_id must not repeat, and must be in ``known_calls`` when that is
given.

The reading is set-wise in DuckDB (``read_blob``, ``read_csv``, ``read_parquet`` and its JSON
functions); Python touches a file line by line only when the file is not valid UTF-8, to say
which lines are not.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from calmline.etl.load_report import FileResult, FileTotals
from calmline.transcripts import tables
from calmline.transcripts.redact import create_redact_macro

ENTITY = "transcripts"
FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet",
           ".json": "transcribe"}
SPEAKERS = ("agent", "customer")
_NUMBER = "('BIGINT', 'UBIGINT', 'DOUBLE')"


@dataclass
class RejectReport(FileTotals):
    """What :func:`read_transcripts` did, file by file (``rows_read == rows_loaded + rows_rejected``).

    Attributes
    ----------
    files : list of FileResult
        One record per file read, as the ETL reports its files.
    calls : int
        Calls loaded into ``transcript_turns``.
    turns : int
        Turns loaded.
    examples : list of tuple
        The first rejected rows: (file, line, column, problems), as the ETL's load report.
    """

    files: list[FileResult] = field(default_factory=list)
    calls: int = 0
    turns: int = 0
    examples: list[tuple[str, int, str | None, str]] = field(default_factory=list)



def transcript_files(path: Path | str) -> list[Path]:
    """The transcript files at ``path``: the file itself, or a folder's files of known forms.

    Parameters
    ----------
    path : Path or str
        A file of any of the three forms, or a folder (typically of Amazon Transcribe files).

    Returns
    -------
    list of Path
        Sorted by name; a folder's files with other extensions are left out.
    """
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in FORMATS)
    if path.suffix.lower() not in FORMATS:
        raise ValueError(f"{path}: not a transcript file (expected {', '.join(sorted(FORMATS))})")
    return [path]


def read_transcripts(con: duckdb.DuckDBPyConnection, path: Path | str, *, redact: bool = False,
                     speaker_map: dict[str, str] | None = None, call_ids: dict[str, str] | None = None,
                     known_calls: str | None = None) -> RejectReport:
    """Read transcripts at ``path`` into ``transcript_turns``; record what is unusable.

    Writes ``transcript_turns`` (call_id, turn 0-based in the call's order, speaker, start_s,
    end_s, text) and ``transcript_rejects`` (source_file, line, column_name, rule, problems,
    row_text), replacing both.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Where to write.
    path : Path or str
        A JSON Lines, CSV, Parquet or Amazon Transcribe JSON file, or a folder of them.
    redact : bool
        Mask e-mail addresses, card-like numbers and digits in the stored text (and in the
        rejected rows' text) with :mod:`calmline.transcripts.redact`.
    speaker_map : dict, optional
        Source speaker labels to ``agent`` / ``customer`` (case-insensitive), e.g.
        ``{"rep": "agent", "caller": "customer"}``. Amazon Transcribe's AGENT and CUSTOMER
        need no mapping.
    call_ids : dict, optional
        Amazon Transcribe file stem to call id, when the files are not named after the call.
    known_calls : str, optional
        A table or view with a ``call_id`` column; calls not in it are rejected.

    Returns
    -------
    RejectReport
        Rows read, loaded and rejected per file, and the first rejected rows.
    """
    files = transcript_files(path)
    _create_work_tables(con)
    if redact:
        create_redact_macro(con)
    for i, file in enumerate(files):
        kind = FORMATS[file.suffix.lower()]
        if kind == "jsonl":
            _read_jsonl(con, i, file)
        elif kind == "csv":
            _read_csv(con, i, file)
        elif kind == "parquet":
            _read_parquet(con, i, file)
    transcribe = [(i, f) for i, f in enumerate(files) if FORMATS[f.suffix.lower()] == "transcribe"]
    if transcribe:
        _read_transcribe(con, transcribe, call_ids or {})
    _validate(con, files, redact=redact, speaker_map=speaker_map or {}, known_calls=known_calls)
    return _report(con, files)


def _create_work_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE {tables.ROWS} (file_idx INTEGER, unit BIGINT, line BIGINT, "
                f"call_id VARCHAR, problem VARCHAR, row_text VARCHAR)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {tables.RAW} (file_idx INTEGER, unit BIGINT, line BIGINT, "
                f"call_id VARCHAR, ord DOUBLE, ord_raw VARCHAR, speaker VARCHAR, start_raw VARCHAR, "
                f"end_raw VARCHAR, start_num BOOLEAN, end_num BOOLEAN, text VARCHAR)")


def _lines_table(path: Path) -> pa.Table | None:
    """The file's lines (line, j, ok) when it is not valid UTF-8; None when it is.

    The only per-line Python: it runs for a file DuckDB could not decode, to say which lines."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    numbers, texts, oks = [], [], []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            texts.append(raw.decode("utf-8").rstrip("\r"))
            oks.append(True)
        except UnicodeDecodeError:
            texts.append(raw.decode("utf-8", errors="replace").rstrip("\r"))
            oks.append(False)
        numbers.append(number)
    return pa.table({"line": numbers, "j": texts, "ok": oks})


def _read_jsonl(con: duckdb.DuckDBPyConnection, i: int, path: Path) -> None:
    """One unit per non-blank line; the line's turns into ``RAW``, its problem into ``ROWS``."""
    lines = _lines_table(path)
    if lines is None:
        source = ("SELECT generate_subscripts(ls, 1) AS line, rtrim(unnest(ls), chr(13)) AS j, true AS ok "
                  "FROM (SELECT string_split(decode(content), chr(10)) AS ls FROM read_blob($path))")
    else:
        con.register("_tx_lines", lines)
        source = "SELECT line, j, ok FROM _tx_lines"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _tx_jsonl AS SELECT line, j, "
                f"CASE WHEN NOT ok THEN 'not valid UTF-8 text' "
                f"WHEN NOT json_valid(j) THEN 'invalid JSON' "
                f"WHEN json_type(j) <> 'OBJECT' THEN 'not a JSON object' "
                f"WHEN json_type(j, '$.call_id') IS NULL OR json_type(j, '$.call_id') IN ('OBJECT', 'ARRAY', 'NULL') "
                f"  THEN 'call_id missing or not a value' "
                f"WHEN coalesce(json_type(j, '$.turns'), '') <> 'ARRAY' THEN 'turns missing or not a list' "
                f"WHEN json_array_length(j, '$.turns') = 0 THEN 'turns is empty' END AS problem "
                f"FROM ({source}) WHERE trim(j) <> ''", {"path": str(path)} if lines is None else {})
    if lines is not None:
        con.unregister("_tx_lines")
    con.execute(f"INSERT INTO {tables.ROWS} SELECT {i}, line, line, "
                f"CASE WHEN problem IS NULL THEN json_extract_string(j, '$.call_id') END, problem, j FROM _tx_jsonl")
    con.execute(
        f"INSERT INTO {tables.RAW} SELECT {i}, line, line, json_extract_string(j, '$.call_id'), pos, pos::VARCHAR, "
        f"json_extract_string(t, '$.speaker'), json_extract_string(t, '$.start_s'), json_extract_string(t, '$.end_s'), "
        f"coalesce(json_type(t, '$.start_s') IN {_NUMBER}, false), coalesce(json_type(t, '$.end_s') IN {_NUMBER}, false), "
        f"CASE WHEN json_type(t, '$.text') = 'VARCHAR' THEN json_extract_string(t, '$.text') END "
        f"FROM (SELECT line, j, unnest(ts) AS t, generate_subscripts(ts, 1) AS pos "
        f"      FROM (SELECT line, j, json_extract(j, '$.turns')::JSON[] AS ts FROM _tx_jsonl WHERE problem IS NULL))")
    con.execute("DROP TABLE _tx_jsonl")


_TABULAR = ("call_id", "turn", "speaker", "start_s", "end_s", "text")


def _read_csv(con: duckdb.DuckDBPyConnection, i: int, path: Path) -> None:
    """One unit per data line; lines the CSV reader cannot split go to ``ROWS`` with its reason."""
    columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in _TABULAR) + "}"
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
        names = [n.strip().lower() for n in next(csv.reader(handle), [])]
    if names != list(_TABULAR):
        _file_problem(con, i, f"columns must be {', '.join(_TABULAR)} (got {', '.join(names)})")
        return
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _tx_csv AS SELECT * FROM read_csv($p, header = true, columns = {columns}, "
        f"auto_detect = false, delim = ',', quote = '\"', escape = '\"', encoding = 'utf-8', store_rejects = true, "
        f"rejects_table = '_tx_csv_errors', rejects_scan = '_tx_csv_scans', rejects_limit = 0)", {"p": str(path)})
    errors = con.execute("SELECT DISTINCT line, error_type::VARCHAR, csv_line FROM _tx_csv_errors ORDER BY line").fetchall()
    reasons = {"INVALID ENCODING": "not valid UTF-8 text", "INVALID UNICODE": "not valid UTF-8 text",
               "MISSING COLUMNS": "short row: fewer fields than the header",
               "TOO MANY COLUMNS": "long row: more fields than the header",
               "UNQUOTED VALUE": "unterminated or stray quote"}
    if errors:
        con.executemany(f"INSERT INTO {tables.ROWS} VALUES ({i}, ?, ?, NULL, ?, ?)",
                        [(line, line, reasons.get(kind, kind.lower()), text) for line, kind, text in errors])
    # The reader keeps file order: data row k (1-based) is on line k + 1, pushed down one line
    # by every rejected line before it (ASOF on the count of good rows before each rejected line).
    con.execute("CREATE OR REPLACE TEMP TABLE _tx_gaps AS SELECT g, max(k) AS k FROM ("
                "SELECT line - 1 - row_number() OVER (ORDER BY line) AS g, row_number() OVER (ORDER BY line) AS k "
                "FROM (SELECT DISTINCT line FROM _tx_csv_errors)) GROUP BY g")
    _insert_tabular(con, i, "SELECT c.* EXCLUDE (k0), c.k0 + 1 + coalesce(y.k, 0) AS line FROM "
                            "(SELECT *, rowid + 1 AS k0 FROM _tx_csv) c ASOF LEFT JOIN _tx_gaps y ON c.k0 > y.g")
    con.execute("DROP TABLE _tx_csv; DROP TABLE _tx_gaps; DROP TABLE _tx_csv_errors; DROP TABLE _tx_csv_scans")


def _read_parquet(con: duckdb.DuckDBPyConnection, i: int, path: Path) -> None:
    """One unit per row (row numbers from 1)."""
    names = [d[0].strip().lower() for d in
             con.execute("SELECT * FROM read_parquet($p) LIMIT 0", {"p": str(path)}).description]
    if not set(_TABULAR) <= set(names):
        _file_problem(con, i, f"columns must include {', '.join(_TABULAR)} (got {', '.join(names)})")
        return
    cols = ", ".join(f"{c}::VARCHAR AS {c}" for c in _TABULAR)
    _insert_tabular(con, i, f"SELECT {cols}, file_row_number + 1 AS line "
                            f"FROM read_parquet({_quote(str(path))}, file_row_number = true)")


def _insert_tabular(con: duckdb.DuckDBPyConnection, i: int, select: str) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE _tx_tab AS {select}")
    con.execute(f"INSERT INTO {tables.ROWS} SELECT {i}, line, line, call_id, "
                f"CASE WHEN call_id IS NULL OR trim(call_id) = '' THEN 'call_id is empty' "
                f"WHEN try_cast(turn AS DOUBLE) IS NULL THEN 'turn is not a number' END, "
                f"concat_ws(',', call_id, turn, speaker, start_s, end_s, text) FROM _tx_tab")
    con.execute(f"INSERT INTO {tables.RAW} SELECT {i}, line, line, call_id, try_cast(turn AS DOUBLE), turn, speaker, "
                f"start_s, end_s, try_cast(start_s AS DOUBLE) IS NOT NULL, try_cast(end_s AS DOUBLE) IS NOT NULL, text "
                f"FROM _tx_tab WHERE NOT (call_id IS NULL OR trim(call_id) = '' OR try_cast(turn AS DOUBLE) IS NULL)")
    con.execute("DROP TABLE _tx_tab")


def _read_transcribe(con: duckdb.DuckDBPyConnection, files: list[tuple[int, Path]], call_ids: dict[str, str]) -> None:
    """Every Amazon Transcribe file in one ``read_blob``; one unit per file."""
    index = pa.table({"filename": [str(p) for _, p in files], "file_idx": [i for i, _ in files],
                      "call_id": [call_ids.get(p.stem, p.stem) for _, p in files]})
    con.register("_tx_index", index)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _tx_aws AS SELECT x.file_idx, x.call_id, t AS j, "
        "CASE WHEN t IS NULL THEN 'not valid UTF-8 text' WHEN NOT json_valid(t) THEN 'invalid JSON' "
        "WHEN json_type(t) <> 'OBJECT' THEN 'not a JSON object' "
        "WHEN coalesce(json_type(t, '$.Transcript'), '') <> 'ARRAY' THEN 'Transcript missing or not a list' "
        "WHEN json_array_length(t, '$.Transcript') = 0 THEN 'Transcript is empty' END AS problem "
        "FROM (SELECT filename, try(decode(content)) AS t FROM read_blob($files)) b JOIN _tx_index x USING (filename)",
        {"files": [str(p) for _, p in files]})
    con.unregister("_tx_index")
    con.execute(f"INSERT INTO {tables.ROWS} SELECT file_idx, 1, 1, call_id, problem, NULL FROM _tx_aws")
    con.execute(
        f"INSERT INTO {tables.RAW} SELECT file_idx, 1, pos, call_id, pos, pos::VARCHAR, "
        f"json_extract_string(s, '$.ParticipantRole'), "
        f"(json_extract(s, '$.BeginOffsetMillis')::DOUBLE / 1000)::VARCHAR, "
        f"(json_extract(s, '$.EndOffsetMillis')::DOUBLE / 1000)::VARCHAR, "
        f"coalesce(json_type(s, '$.BeginOffsetMillis') IN {_NUMBER}, false), "
        f"coalesce(json_type(s, '$.EndOffsetMillis') IN {_NUMBER}, false), "
        f"CASE WHEN json_type(s, '$.Content') = 'VARCHAR' THEN json_extract_string(s, '$.Content') END "
        f"FROM (SELECT file_idx, call_id, unnest(ss) AS s, generate_subscripts(ss, 1) AS pos "
        f"      FROM (SELECT file_idx, call_id, json_extract(j, '$.Transcript')::JSON[] AS ss FROM _tx_aws "
        f"            WHERE problem IS NULL))")
    con.execute("DROP TABLE _tx_aws")


def _file_problem(con: duckdb.DuckDBPyConnection, i: int, problem: str) -> None:
    """A file whose layout is wrong: one rejected unit at line 1."""
    con.execute(f"INSERT INTO {tables.ROWS} VALUES ({i}, 1, 1, NULL, $p, NULL)", {"p": problem})


def _validate(con: duckdb.DuckDBPyConnection, files: list[Path], *, redact: bool, speaker_map: dict[str, str],
              known_calls: str | None) -> None:
    """Check every turn and call set-wise; write ``transcript_turns`` and ``transcript_rejects``.

    Reads ``RAW`` and ``ROWS``."""
    mapping = {k.strip().lower(): v for k, v in speaker_map.items()}
    whole = [i for i, f in enumerate(files) if FORMATS[f.suffix.lower()] in ("jsonl", "transcribe")] or [-1]
    text = "tx_redact(text)" if redact else "text"
    row_text = "tx_redact(row_text)" if redact else "row_text"
    known = (f"WHEN call_id NOT IN (SELECT call_id FROM {known_calls}) THEN {{'c': 'call_id', 'r': 'unknown call_id'}} "
             if known_calls else "")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _tx_checked AS
        WITH mapped AS (
            SELECT *, coalesce(map_extract_value(MAP($keys, $values), lower(trim(speaker))), lower(trim(speaker))) AS who,
                   CASE WHEN list_contains($whole, file_idx) THEN unit ELSE 0 END AS grp,
                   try_cast(start_raw AS DOUBLE) AS s, try_cast(end_raw AS DOUBLE) AS e
            FROM {tables.RAW}
        ), ordered AS (
            SELECT *, lag(s) OVER (PARTITION BY file_idx, grp, call_id ORDER BY ord, line) AS prev_s,
                   count(*) OVER (PARTITION BY file_idx, grp, call_id, ord) AS same_turn
            FROM mapped
        )
        SELECT *, CASE
            WHEN who IS NULL OR who NOT IN ('agent', 'customer')
                THEN {{'c': 'speaker', 'r': 'speaker must be agent or customer (got ' || coalesce('''' || speaker || '''', 'none') || ')'}}
            WHEN NOT start_num OR s IS NULL THEN {{'c': 'start_s', 'r': 'start_s is not a number (got ' || coalesce(start_raw, 'none') || ')'}}
            WHEN NOT end_num OR e IS NULL THEN {{'c': 'end_s', 'r': 'end_s is not a number (got ' || coalesce(end_raw, 'none') || ')'}}
            WHEN s < 0 OR e < 0 THEN {{'c': CASE WHEN s < 0 THEN 'start_s' ELSE 'end_s' END, 'r': 'negative time (' || s || ' to ' || e || ')'}}
            WHEN e < s THEN {{'c': 'end_s', 'r': 'reversed times: ends at ' || e || ' before it starts at ' || s}}
            WHEN same_turn > 1 THEN {{'c': 'turn', 'r': 'turn ' || ord_raw || ' appears more than once in the call'}}
            WHEN s < prev_s THEN {{'c': 'start_s', 'r': 'out of order: starts at ' || s || ', before the previous turn (' || prev_s || ')'}}
            WHEN text IS NULL OR trim(text) = '' THEN {{'c': 'text', 'r': 'empty text'}}
            {known}
        END AS p
        FROM ordered
        """, {"keys": list(mapping) or [""], "values": list(mapping.values()) or [""], "whole": whole})
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _tx_units AS
        WITH reasons AS (
            -- each reason once per unit: the turns of one JSON Lines call share its line, so the
            -- same reason (an unknown call_id, a bad speaker) would otherwise repeat per turn
            SELECT file_idx, unit, p.c AS c, p.r AS r, min(line) AS line
            FROM _tx_checked WHERE p IS NOT NULL GROUP BY ALL
        ), turn_problems AS (
            SELECT file_idx, unit, arg_min(c, line) AS column_name, arg_min(r, line) AS rule,
                   string_agg(CASE WHEN line <> unit THEN 'turn at ' || line || ': ' ELSE '' END
                              || c || ': ' || r, '; ' ORDER BY line, c, r) AS problems, min(line) AS line
            FROM reasons GROUP BY ALL
        ), units AS (
            SELECT r.file_idx, r.unit, coalesce(t.line, r.line) AS line, r.call_id, r.row_text,
                   CASE WHEN r.problem IS NOT NULL THEN NULL ELSE t.column_name END AS column_name,
                   coalesce(r.problem, t.rule) AS rule, coalesce(r.problem, t.problems) AS problems
            FROM {tables.ROWS} r LEFT JOIN turn_problems t USING (file_idx, unit)
        ), per_call AS (
            -- JSON Lines and Transcribe: one unit is one call, so a repeated call_id is a repeat.
            SELECT *, CASE WHEN list_contains($whole, file_idx) THEN
                       row_number() OVER (PARTITION BY call_id, list_contains($whole, file_idx)
                                          ORDER BY file_idx, unit) END AS nth
            FROM units
        )
        SELECT file_idx, unit, line, call_id, row_text,
               CASE WHEN rule IS NULL AND nth > 1 THEN 'call_id' ELSE column_name END AS column_name,
               CASE WHEN rule IS NULL AND nth > 1 THEN 'call_id repeats an earlier call' ELSE rule END AS rule,
               CASE WHEN rule IS NULL AND nth > 1 THEN 'call_id: call_id repeats an earlier call' ELSE problems END AS problems
        FROM per_call
        """, {"whole": whole})
    # A call with any rejected row is rejected whole: its other rows name the line that caused it.
    con.execute(
        """
        UPDATE _tx_units u SET column_name = NULL,
            rule = 'another row of call ' || b.call_id || ' was rejected (line ' || b.line || ')',
            problems = 'another row of call ' || b.call_id || ' was rejected (line ' || b.line || ')'
        FROM (SELECT file_idx, call_id, min(line) AS line FROM _tx_units WHERE rule IS NOT NULL AND call_id IS NOT NULL
              GROUP BY ALL) b
        WHERE u.file_idx = b.file_idx AND u.call_id = b.call_id AND u.rule IS NULL
              AND NOT list_contains($whole, u.file_idx)
        """, {"whole": whole})
    names = pa.table({"file_idx": list(range(len(files))), "source_file": [str(f) for f in files]})
    con.register("_tx_names", names)
    con.execute(f"CREATE OR REPLACE TABLE {tables.REJECTS} AS SELECT n.source_file, u.line, u.column_name, u.rule, "
                f"u.problems, {row_text} AS row_text FROM _tx_units u JOIN _tx_names n USING (file_idx) "
                f"WHERE u.rule IS NOT NULL ORDER BY u.file_idx, u.line")
    con.unregister("_tx_names")
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {tables.TURNS} AS
        SELECT c.call_id, (row_number() OVER (PARTITION BY c.call_id ORDER BY c.ord, c.line) - 1)::INTEGER AS turn,
               c.who AS speaker, c.s AS start_s, c.e AS end_s, {text} AS text
        FROM _tx_checked c JOIN _tx_units u USING (file_idx, unit)
        WHERE u.rule IS NULL
        ORDER BY c.call_id, turn
        """)


def _report(con: duckdb.DuckDBPyConnection, files: list[Path]) -> RejectReport:
    counts = {i: (n, bad) for i, n, bad in con.execute(
        "SELECT file_idx, count(*), count(*) FILTER (rule IS NOT NULL) FROM _tx_units GROUP BY ALL").fetchall()}
    report = RejectReport()
    for i, f in enumerate(files):
        n, bad = counts.get(i, (0, 0))
        report.files.append(FileResult(entity=ENTITY, file=str(f), format=FORMATS[f.suffix.lower()],
                                       sha256=_sha256(f), size_bytes=f.stat().st_size, rows_read=n,
                                       rows_rejected=bad, rows_inserted=n - bad))
    report.calls, report.turns = con.execute(f"SELECT count(DISTINCT call_id), count(*) FROM {tables.TURNS}").fetchone()
    report.examples = [tuple(r) for r in con.execute(
        f"SELECT source_file, line, column_name, problems FROM {tables.REJECTS} LIMIT 20").fetchall()]
    for t in ("_tx_checked", "_tx_units", tables.RAW, tables.ROWS):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return report


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
