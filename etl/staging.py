"""Staging: decide which files to read, read them into the staging tables, remember how.

Files identical to one loaded before are skipped (unless reloading). The rest
are read in groups (see :func:`calmline.etl.read_raw.group_files`) into
``stage_<entity>_t``, with their sha256 computed on a second thread while
DuckDB reads. That thread first checks which CSV files have no field that
trimming would change (:func:`calmline.etl.sources.scan_field_edges`), so their
values are not trimmed one by one. :class:`StagedFile` keeps what later steps need per file.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from calmline.etl import read_raw, validate
from calmline.etl.read_raw import RawSource
from calmline.etl.load_report import FileResult
from calmline.etl.sources import SourceFile, check_not_empty, fingerprint, scan_field_edges
from calmline.etl import work_tables
from calmline.etl.sql_text import file_path_case

Progress = Callable[[str, int, int], None]


@dataclass
class StagedFile:
    """One file read into its entity's staging table."""

    index: int
    src: SourceFile
    shown: str
    raw: RawSource
    first_rowid: int

    def result(self) -> FileResult:
        return FileResult(self.src.entity.name, self.shown, self.src.format, self.src.sha256,
                          self.src.size, extra_columns=self.src.extra_columns)

    def row_texts(self, con: duckdb.DuckDBPyConnection) -> None:
        """Fill ``work_tables.REJECT_TEXTS`` for this file (see :func:`calmline.etl.read_raw.row_texts`)."""
        read_raw.row_texts(con, self.src, self.index, self.raw)

    def parse_rejects(self, con: duckdb.DuckDBPyConnection) -> int:
        """How many of this file's rows the reader could not use."""
        return read_raw.parse_reject_count(con, self.index)


def shown_path(path: Path, source: Path) -> str:
    """A file's name as users see it: relative to the source folder."""
    try:
        return str(path.relative_to(source))
    except ValueError:
        return str(path)


def skip_unchanged(con: duckdb.DuckDBPyConnection, sources: list[SourceFile], source: Path,
                   reload: bool, tick: Progress, steps: int
                   ) -> tuple[list[tuple[int, SourceFile]], dict[int, FileResult]]:
    """Split the files into those to read and those identical to a file loaded before."""
    to_read, skipped = [], {}
    for i, src in enumerate(sources):
        shown = shown_path(src.path, source)
        check_not_empty(src)
        if not reload and _seen_before(con, src, shown):
            tick(f"checking {shown}", i, steps)
            fingerprint(src)
            earlier = _earlier_batch(con, src)
            if earlier is not None:
                skipped[i] = FileResult(src.entity.name, shown, src.format, src.sha256, src.size,
                                        status="skipped",
                                        note=f"identical to the file loaded in batch {earlier}")
                continue
        to_read.append((i, src))
    return to_read, skipped


def stage(con: duckdb.DuckDBPyConnection, to_read: list[tuple[int, SourceFile]], source: Path,
          tick: Progress, steps: int, batch_id: int | None = None) -> dict[int, StagedFile]:
    """Read every file into its entity's staging table.

    Reads the source files. Writes ``work_tables.staged(entity)`` and the views
    ``work_tables.stage(entity)``, and the rows the readers could not use
    (``work_tables.PARSE_REJECTS``, through ``work_tables.READER_REJECTS``).

    With ``batch_id``, an entity whose stored table has no rows yet is staged directly in the
    stored table's layout, with the lineage of the batch (see
    :func:`calmline.etl.validate.create_stage` and :func:`calmline.etl.store.adopt`): a first
    load then writes its rows once, as a bare read of the files does.
    """
    staged: dict[int, StagedFile] = {}
    read_raw.create_parse_rejects(con)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256") as hasher:
        groups = read_raw.group_files(to_read)
        # Queued ahead of the hashing, so the big files are scanned while DuckDB reads the small ones.
        edges = {j: hasher.submit(scan_field_edges, s) for group in groups for j, s in group}
        for group in groups:
            i, src = group[0]
            more = f" and {len(group) - 1} more" if len(group) > 1 else ""
            tick(f"reading {shown_path(src.path, source)}{more}", i, steps)
            for j, _ in group:
                edges[j].result()
            hashing = [hasher.submit(fingerprint, s) for _, s in group if not s.sha256]
            raw = read_raw.prepare(con, group)
            if not any(f.src.entity is src.entity for f in staged.values()):
                validate.create_stage(con, src.entity, direct=batch_id is not None
                                      and not _has_rows(con, src.entity.name))
            base = con.execute(f"SELECT count(*) FROM {work_tables.staged(src.entity.name)}").fetchone()[0]
            lineage = None
            if work_tables.is_direct(con, src.entity.name):
                lineage = (batch_id, file_path_case("_file_idx", {j: shown_path(s.path, source)
                                                                  for j, s in group}))
            try:
                validate.stage_files(con, src.entity, raw, lineage)
            except duckdb.Error as exc:
                raise read_raw.cannot_read([s for _, s in group], exc) from exc
            for job in hashing:
                job.result()
            firsts = read_raw.finish(con, raw, base)
            for j, s in group:
                staged[j] = StagedFile(j, s, shown_path(s.path, source), raw, firsts[j])
    for name in {f.src.entity.name for f in staged.values()}:
        _stage_view(con, name, {i: f.first_rowid for i, f in staged.items() if f.src.entity.name == name})
    return staged


def line_sql(firsts: dict[int, int]) -> str:
    """SQL for a staged row's line in its file (given the rowid of each file's first row)."""
    return f"coalesce(_line, rowid - {_first(firsts)} + 2)"


def _first(firsts: dict[int, int]) -> str:
    return "CASE _file_idx " + " ".join(f"WHEN {i} THEN {n}" for i, n in firsts.items()) + " END"


def _stage_view(con, name: str, firsts: dict[int, int]) -> None:
    """``stage_<name>``: the staging table with every row's line and position in its file."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW {work_tables.stage(name)} AS SELECT * REPLACE "
                f"({line_sql(firsts)} AS _line), rowid - {_first(firsts)} AS _row_in_file "
                f"FROM {work_tables.staged(name)}")


def _has_rows(con, name: str) -> bool:
    return con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {name} LIMIT 1)").fetchone()[0] > 0


def _seen_before(con, src: SourceFile, shown: str) -> bool:
    """Whether a file of this name and size was loaded before (then it is worth hashing first)."""
    return con.execute("SELECT count(*) FROM load_batches WHERE entity = $e AND file = $f "
                       "AND size_bytes = $n AND status LIKE 'loaded%'",
                       {"e": src.entity.name, "f": shown, "n": src.path.stat().st_size}).fetchone()[0] > 0


def _earlier_batch(con, src: SourceFile) -> int | None:
    row = con.execute("SELECT max(batch_id) FROM load_batches WHERE entity = $e AND sha256 = $s "
                      "AND status LIKE 'loaded%'", {"e": src.entity.name, "s": src.sha256}).fetchone()
    return row[0]
