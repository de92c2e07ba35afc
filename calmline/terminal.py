"""Terminal output of the commands: progress and status while they run, summaries after."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from calmline.etl.load_report import LoadReport

console = Console(width=None if sys.stdout.isatty() else 120)
"""Piped or logged output gets a fixed, readable width instead of 80 columns."""
_SHORT = {"loaded with rejections": "partly", "loaded": "loaded", "skipped": "skipped"}


@contextmanager
def progress() -> Iterator:
    """A progress bar on the terminal (silent when output is not a terminal)."""
    bar = Progress(TextColumn("{task.description:<48}"), BarColumn(), TimeElapsedColumn(),
                   console=Console(stderr=True), transient=True,
                   disable=not Console(stderr=True).is_terminal)
    with bar:
        task = bar.add_task("starting", total=1)

        def tick(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total)

        yield tick


def print_load(report: LoadReport) -> None:
    """Print the per-file summary of a load."""
    table = Table(title=f"Load batch {report.batch_id} -> {report.db}", title_justify="left")
    table.add_column("file", overflow="fold")
    for name in ("status", "read", "loaded", "new", "updated", "unchanged", "rejected"):
        table.add_column(name, justify="left" if name == "status" else "right", no_wrap=True)
    for f in report.files:
        table.add_row(f.file, _SHORT.get(f.status, f.status), f"{f.rows_read:,}", f"{f.rows_loaded:,}",
                      f"{f.rows_inserted:,}", f"{f.rows_updated:,}", f"{f.rows_unchanged:,}",
                      f"[red]{f.rows_rejected:,}[/red]" if f.rows_rejected else "0")
    table.add_section()
    table.add_row("total", "", f"{report.rows_read:,}", f"{report.rows_loaded:,}", "", "", "",
                  f"{report.rows_rejected:,}")
    console.print(table)
    for f in report.files:
        if f.extra_columns:
            console.print(f"{f.file}: extra columns ignored: {', '.join(f.extra_columns)}")
    for note in report.notes:
        console.print(f"note: {note}", style="yellow", markup=False, highlight=False, soft_wrap=True)
    console.print(f"as-of date {report.as_of} ({report.as_of_source}); took {report.seconds:.1f} s")
    if report.rows_rejected:
        console.print(f"[yellow]{report.rows_rejected:,} rows rejected[/yellow], the first:")
        for file, line, _column, problems in report.examples:
            console.print(f"  {file}:{line}: {problems}", markup=False, highlight=False)
        console.print(f"all of them: SELECT * FROM rejected_rows WHERE batch_id = {report.batch_id}")
    skipped = sum(f.status == "skipped" for f in report.files)
    if report.files and skipped == len(report.files):
        earlier = sorted({int(n) for f in report.files for n in re.findall(r"batch (\d+)", f.note or "")})
        console.print(f"nothing changed: all {skipped} files are identical to files loaded before"
                      + (f" (batch {', '.join(map(str, earlier))})" if earlier else "")
                      + "; the data is as it was (--reload reads them again)")
    elif skipped:
        console.print(f"{skipped} file(s) unchanged since an earlier load were skipped "
                      f"(--reload reads them again)")


def print_generated(summary: dict) -> None:
    """Print what `calmline generate` wrote."""
    rows = summary["rows"]
    console.print(f"wrote {summary['out_dir']}: " + ", ".join(
        f"{n:,} {name.replace('_', ' ')}" for name, n in rows.items() if n))
    console.print(f"as-of date {summary['as_of']}; planted effects in "
                  f"{summary['paths']['ground_truth']}")
    console.print(f"load it into a database of its own with: calmline etl --source {summary['out_dir']} "
                  f"--db {generated_db(summary['out_dir'])}", markup=False, highlight=False, soft_wrap=True)


def generated_db(out_dir) -> str:
    """A database path for generated files, next to their folder and never the demo's
    ``calmline.duckdb``: ``runs/big`` -> ``runs/big.duckdb``."""
    from pathlib import Path

    out = Path(out_dir)
    path = out.parent / f"{out.name}.duckdb"
    if path.name == "calmline.duckdb":
        path = out.parent / f"{out.name}-generated.duckdb"
    return str(path)


@contextmanager
def status() -> Iterator:
    """A one-line status on the terminal while a long job runs."""
    err = Console(stderr=True)
    if not err.is_terminal:
        yield lambda _: None
        return
    with err.status("starting") as shown:
        yield lambda text: shown.update(text)


def print_fit(summary) -> None:
    """Print what `calmline fit` stored."""
    console.print(f"model run(s) {', '.join(map(str, summary.runs))} stored in {summary.db} "
                  f"in {summary.seconds:.1f} s"
                  + (f" ({summary.lanes} model families at a time)" if summary.lanes > 1 else ""))
    for name, n in summary.rows.items():
        console.print(f"  {name}: {n:,} rows")
    for warning in summary.warnings:
        console.print("warning", style="yellow", end=" ")
        console.print(with_labels(warning), markup=False, highlight=False)
    console.print("see them with: SELECT * FROM practice_effects WHERE run_id = "
                  f"{summary.runs[-1] if summary.runs else 0} ORDER BY practice, method")


def with_labels(text: str) -> str:
    """``text`` with every practice name in it (``followed_up``) written as its label ("Followed up"),
    as the dashboard names practices."""
    from calmline.vocabulary import label, practice_names

    for name in sorted(practice_names(), key=len, reverse=True):
        text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", label(name), text)
    return text


def print_saved_queries(queries: dict) -> None:
    """Print the saved query library: name, title, audience and parameters."""
    table = Table(title="Saved queries (calmline query NAME --param KEY=VALUE --db PATH)",
                  title_justify="left")
    table.add_column("name", no_wrap=True)
    table.add_column("title", overflow="fold", ratio=2)
    table.add_column("audience", overflow="fold", ratio=1)
    table.add_column("parameters (name type = default)", no_wrap=True)
    for query in queries.values():
        params = "\n".join(f"{p.name} {p.type}" + (f"({','.join(p.choices)})" if p.type == "choice" else "")
                           + f" = {p.default or ''}" for p in query.params)
        table.add_row(query.name, query.title, ", ".join(query.audience), params or "-")
    console.print(table, markup=False, highlight=False)


def print_frame(frame, fmt: str, types: dict[str, str] | None = None, title: str | None = None) -> None:
    """Print a query result as a table, CSV or JSON (an array of objects) on standard output.

    CSV and JSON carry the values as they are, for machines. A table is for people: floats are
    rounded (:func:`_cell`), practice names read as their labels (a ``practice`` column's values and
    columns named after a practice, see :func:`calmline.vocabulary.label`), and a result too wide
    for the terminal prints one record at a time, a ``column  value`` line each (:func:`_records`).

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows.
    fmt : str
        ``table``, ``csv`` or ``json``.
    types : dict of str to str, optional
        DuckDB type per column; DATE columns print as ``YYYY-MM-DD``.
    title : str, optional
        Shown above a table.
    """
    import pandas as pd

    frame = frame.copy()
    for column, kind in (types or {}).items():
        if kind == "DATE" and column in frame and hasattr(frame[column], "dt"):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d").astype(object).where(frame[column].notna())
    if fmt == "csv":
        spreadsheet_safe(frame).to_csv(sys.stdout, index=False, lineterminator=CSV_LINE_END)
    elif fmt == "json":
        sys.stdout.write(frame.to_json(orient="records", date_format="iso", date_unit="s",
                                       force_ascii=False) + "\n")
    else:
        headers, rows = _shown(frame)
        if _width(headers, rows) <= console.width:
            table = Table(title=title, title_justify="left")
            for header, column in zip(headers, frame.columns):
                number = pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(
                    frame[column])
                table.add_column(header, overflow="fold", max_width=MAX_CELL,
                                 justify="right" if number else "left")
            for row in rows:
                table.add_row(*row)
            console.print(table, markup=False, highlight=False)
        else:
            _records(headers, rows, title)
    sys.stdout.flush()


MAX_CELL = 40
"""Widest a table column grows before its text folds onto more lines."""


def _shown(frame) -> tuple[list[str], list[list[str]]]:
    """Headers and cells of ``frame`` as a person reads them: practice labels, rounded numbers."""
    from calmline.vocabulary import label, practice_names

    practices = set(practice_names())
    headers = [label(c) if str(c) in practices else str(c) for c in frame.columns]
    rows = []
    for values in frame.itertuples(index=False):
        rows.append([label(v) if str(column) == "practice" and isinstance(v, str) else _cell(v)
                     for column, v in zip(frame.columns, values)])
    return headers, rows


def _width(headers: list[str], rows: list[list[str]]) -> int:
    """Characters a table of these cells needs, each column at most :data:`MAX_CELL` wide."""
    widths = [min(MAX_CELL, max([len(h)] + [len(r[i]) for r in rows])) for i, h in enumerate(headers)]
    return sum(widths) + 3 * len(widths) + 1


def _records(headers: list[str], rows: list[list[str]], title: str | None) -> None:
    """One block per row, one ``column  value`` line per column: a wide result that stays readable."""
    if title:
        console.print(title, markup=False, highlight=False)
    pad = max((len(h) for h in headers), default=0)
    for number, row in enumerate(rows, 1):
        console.print(f"-[ row {number} ]" + "-" * max(0, min(console.width, 60) - 12 - len(str(number))),
                      markup=False, highlight=False)
        for header, value in zip(headers, row):
            console.print(f"{header:<{pad}}  {value}", markup=False, highlight=False, overflow="fold")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet reads as the start of a formula (OWASP, CSV injection)."""
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_safe_text(value):
    """``value`` as a CSV cell a spreadsheet will not run: text starting like a formula gets a
    leading ``'`` (``=HYPERLINK(...)`` -> ``'=HYPERLINK(...)``); numbers, and text that is just a
    number such as ``-3``, are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


CSV_LINE_END = "\r\n"
"""CSV lines end as RFC 4180 says; a carriage return or newline inside a cell is then quoted."""


def spreadsheet_safe(frame):
    """A copy of ``frame`` whose text cells are :func:`spreadsheet_safe_text`, for writing CSV."""
    frame = frame.copy()
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if column.dtype == object or str(column.dtype) in ("string", "str"):
            frame.isetitem(position, column.map(spreadsheet_safe_text, na_action="ignore"))
    return frame


def _cell(value) -> str:
    """One value of a result table: NULL as empty; floats rounded for reading: 4 significant
    digits below 100 (``0.1470``... as ``0.147``), one decimal above (``12,345.7``), whole ones
    without decimals (``1,148``)."""
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if abs(value) >= 100:
            return f"{value:,.0f}" if value == round(value) else f"{value:,.1f}"
        return f"{value:.4g}"
    if value is None or type(value).__name__ == "NaTType":
        return ""
    return str(value)


def detection_csv_columns() -> tuple[str, ...]:
    """The columns ``calmline detect --format csv`` prints, in order (issue #17's list): call_id,
    the ten practice flags, options_offered, verify_mode, first_apology_turn, vent_interruptions,
    empathy_negated, policy_language, handoff, agent_talk_share."""
    from calmline.vocabulary import qa_flags

    return ("call_id", *qa_flags(), "options_offered", "verify_mode", "first_apology_turn",
            "vent_interruptions", "empathy_negated", "policy_language", "handoff", "agent_talk_share")


def print_detection(calls, evidence, fmt: str) -> None:
    """Print what detection found on standard output: per call, every value with its evidence.

    Parameters
    ----------
    calls : pandas.DataFrame
        ``transcript_calls``: one row per call, every detected value as a column.
    evidence : pandas.DataFrame
        ``transcript_practices``: one row per detected value (call_id, practice, value, turn,
        evidence, rule).
    fmt : str
        ``table``: per call a summary line and a table of its detected values (turn 0-based, the
        words that triggered each and the rule); ``csv``: one row per call with
        :func:`detection_csv_columns`, flags as ``true``/``false``, first_apology_turn empty when
        there was no apology; ``json``: an array of one object per call, every column of
        ``transcript_calls`` plus ``evidence``, a list of its detected values.
    """
    import json

    import pandas as pd

    from calmline.vocabulary import qa_flags

    if fmt == "csv":
        frame = calls.loc[:, list(detection_csv_columns())].copy()
        for column in frame.columns:
            if pd.api.types.is_bool_dtype(frame[column]):
                frame[column] = frame[column].map({True: "true", False: "false"})
        frame["first_apology_turn"] = frame["first_apology_turn"].astype("Int64")
        spreadsheet_safe(frame).to_csv(sys.stdout, index=False, lineterminator=CSV_LINE_END)
    elif fmt == "json":
        by_call = {call_id: rows.drop(columns="call_id") for call_id, rows in evidence.groupby("call_id", sort=False)}
        records = json.loads(calls.to_json(orient="records", force_ascii=False))
        for record in records:
            rows = by_call.get(record["call_id"], evidence.iloc[0:0].drop(columns="call_id"))
            record["evidence"] = json.loads(rows.to_json(orient="records", force_ascii=False))
        sys.stdout.write(json.dumps(records, ensure_ascii=False) + "\n")
    else:
        for call in calls.itertuples(index=False):
            rows = evidence.loc[evidence["call_id"] == call.call_id]
            apology = "none" if pd.isna(call.first_apology_turn) else f"turn {int(call.first_apology_turn)}"
            share = "" if pd.isna(call.agent_talk_share) else f", agent talk share {call.agent_talk_share:.0%}"
            console.print(f"call {call.call_id}: {call.turns} turns{share}; opening account interrupted "
                          f"{call.vent_interruptions} time(s); verify mode {call.verify_mode}; first apology "
                          f"{apology}; {call.options_offered} option(s) offered",
                          markup=False, highlight=False, soft_wrap=True)
            missing = [flag for flag in qa_flags() if flag != "let_vent" and not getattr(call, flag)]
            console.print(f"  not detected: {', '.join(missing) or 'none'}", markup=False, highlight=False,
                          soft_wrap=True)
            table = Table(show_edge=False)
            for header, justify in (("practice", "left"), ("value", "left"), ("turn", "right"),
                                    ("words", "left"), ("rule", "left")):
                table.add_column(header, justify=justify, overflow="fold")
            for row in rows.itertuples(index=False):
                table.add_row(row.practice, str(row.value), "" if pd.isna(row.turn) else str(int(row.turn)),
                              str(row.evidence), str(row.rule))
            console.print(table, markup=False, highlight=False)
            console.print("")
    sys.stdout.flush()
