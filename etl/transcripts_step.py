"""The ETL's optional transcripts step: read a source folder's transcripts, validate them
against the loaded calls, record their rejects like every other file's, and detect practices.

Reads: the source folder's ``transcripts/`` folder or ``transcripts.jsonl`` / ``.ndjson`` /
``.csv`` / ``.parquet`` file (:func:`find`), and the ``calls`` table (a transcript of a call
that is not there is rejected). Writes ``transcript_turns``, ``transcript_practices`` and
``transcript_calls`` (:mod:`calmline.transcripts.tables`; replaced by every load that has a
transcripts source, kept as they were by one that has none, created empty by the first load),
and appends this batch's rejected transcript rows to ``rejected_rows`` (entity
``transcripts``). Per-file accounting comes back as :class:`FileResult` records for
``load_batches``: rows read = rows loaded + rows rejected, a row being a call for JSON Lines
and Amazon Transcribe files and a turn for CSV and Parquet.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from calmline.etl.load_report import FileResult
from calmline.etl.staging import shown_path
from calmline.transcripts import detect, read_transcripts, tables
from calmline.transcripts.detect import CALL_COLUMNS, PRACTICE_COLUMNS
from calmline.transcripts.read import ENTITY, FORMATS, transcript_files
from calmline.transcripts.rulebook import load_rules

SUFFIXES = (".jsonl", ".ndjson", ".csv", ".parquet")
"""Suffixes of a single ``transcripts`` file in the source folder (a folder may also hold
Amazon Transcribe ``.json`` files)."""

TURN_COLUMNS = (("call_id", "VARCHAR"), ("turn", "INTEGER"), ("speaker", "VARCHAR"), ("start_s", "DOUBLE"),
                ("end_s", "DOUBLE"), ("text", "VARCHAR"))
"""``transcript_turns``' columns and types, in order, as a load without transcripts creates it."""


def find(source: Path) -> Path | None:
    """The transcripts source of a source folder, or None when it has none.

    Parameters
    ----------
    source : Path
        The ETL's source folder.

    Returns
    -------
    Path or None
        A ``transcripts`` folder (any case) holding at least one transcript file, else a
        ``transcripts.<suffix>`` file of :data:`SUFFIXES`, else None.
    """
    entries = sorted(source.iterdir()) if source.is_dir() else []
    for path in entries:
        if path.name.lower() == ENTITY and path.is_dir() and any(
                p.is_file() and p.suffix.lower() in FORMATS for p in path.iterdir()):
            return path
    for path in entries:
        if path.is_file() and path.stem.lower() == ENTITY and path.suffix.lower() in SUFFIXES:
            return path
    return None


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the three transcript tables, empty, when no load has written them yet, so that
    every calmline database has them with the same columns: the columns detection writes
    (:data:`calmline.transcripts.detect.PRACTICE_COLUMNS` and ``CALL_COLUMNS``), created directly
    rather than by running detection over no calls (0.4 CPU s of a small load without transcripts).
    """
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND "
                         "table_name = $t", {"t": tables.CALLS}).fetchone()[0]
    if exists:
        return
    for table, columns in ((tables.TURNS, TURN_COLUMNS), (tables.PRACTICES, PRACTICE_COLUMNS),
                           (tables.CALLS, CALL_COLUMNS)):
        typed = ", ".join(f'"{name}" {kind}' for name, kind in columns)
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({typed})")


def unchanged(con: duckdb.DuckDBPyConnection, path: Path, source: Path, batch_id: int) -> list[FileResult] | None:
    """The transcript files as skipped, when reading them again could change nothing; else None.

    That is when every file is identical (name and SHA-256) to one a load read before, they
    are the files the last load that read transcripts read, this load stored no call (a
    new call could turn a transcript rejected for its unknown call_id into a valid one), and
    every call with a stored transcript is still there, and detection's rules are the ones
    that scored them (their fingerprint is in the files' load note). Reads ``load_batches``,
    ``calls`` (its ``_batch_id``) and ``transcript_calls``.
    """
    files = transcript_files(path)
    last = con.execute(
        "SELECT file, note FROM load_batches WHERE entity = $e AND batch_id = (SELECT max(batch_id) "
        "FROM load_batches WHERE entity = $e AND status LIKE 'loaded%')", {"e": ENTITY}).fetchall()
    if {shown_path(f, source) for f in files} != {f for f, _ in last}:
        return None
    if any(rules_note() not in (note or "") for _, note in last):
        return None
    if con.execute("SELECT count(*) FROM calls WHERE _batch_id = $b", {"b": batch_id}).fetchone()[0]:
        return None
    if con.execute(f"SELECT count(*) FROM {tables.CALLS} ANTI JOIN calls USING (call_id)").fetchone()[0]:
        return None
    results = []
    for f in files:
        with f.open("rb") as handle:
            sha = hashlib.file_digest(handle, "sha256").hexdigest()
        shown = shown_path(f, source)
        earlier = con.execute("SELECT max(batch_id) FROM load_batches WHERE entity = $e AND file = $f "
                              "AND sha256 = $s AND status LIKE 'loaded%'",
                              {"e": ENTITY, "f": shown, "s": sha}).fetchone()[0]
        if earlier is None:
            return None
        results.append(FileResult(ENTITY, shown, FORMATS[f.suffix.lower()], sha, f.stat().st_size,
                                  status="skipped", note=f"identical to the file loaded in batch {earlier}"))
    return results


def rules_note() -> str:
    """The load note naming the shipped rules detection used (a fingerprint of their content),
    so that a load after the rules changed scores the transcripts again."""
    return "detected with rules " + hashlib.sha256(repr(load_rules()).encode()).hexdigest()[:12]


def load_transcripts(con: duckdb.DuckDBPyConnection, path: Path, source: Path, batch_id: int, *,
                     redact: bool = False) -> list[FileResult]:
    """Read the transcripts at ``path`` against the stored calls, detect, and record rejects.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The load's connection, after the calls of this load are stored.
    path : Path
        What :func:`find` returned.
    source : Path
        The source folder, to name files as the rest of the load does.
    batch_id : int
        This load's batch; the rejected rows are recorded under it.
    redact : bool
        Mask digits, e-mail addresses and card-like numbers in the stored text
        (:mod:`calmline.transcripts.redact`), rejected rows' text included.

    Returns
    -------
    list of FileResult
        One per transcript file, entity ``transcripts``, file named relative to ``source``.
    """
    report = read_transcripts(con, path, redact=redact, known_calls="calls")
    names = {f.file: shown_path(Path(f.file), source) for f in report.files}
    con.execute("CREATE OR REPLACE TEMP TABLE _tx_shown (file VARCHAR, shown VARCHAR)")
    con.executemany("INSERT INTO _tx_shown VALUES (?, ?)", list(names.items()))
    con.execute(f"""
        INSERT INTO rejected_rows
        SELECT $batch, '{ENTITY}', coalesce(s.shown, r.source_file), coalesce(r.line, 0), r.column_name,
               coalesce(r.rule, r.problems), r.problems, r.row_text
        FROM {tables.REJECTS} r LEFT JOIN _tx_shown s ON s.file = r.source_file
    """, {"batch": batch_id})
    con.execute(f"DROP TABLE IF EXISTS {tables.REJECTS}")
    con.execute("DROP TABLE _tx_shown")
    detect(con)
    for f in report.files:
        f.file = names[f.file]
        if f.rows_rejected and f.status == "loaded":
            f.status = "loaded with rejections"  # as the load names every other such file
        f.note = "; ".join(filter(None, (f.note, rules_note())))
    return report.files
