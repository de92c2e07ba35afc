"""Where a load's time goes: every SQL statement of one `calmline etl` run, timed in process.

    python -m benchmarks.etl_profile SOURCE [--top 25] [--bare] [--floor]

Loads SOURCE into a new database in a temporary folder and prints the slowest statements
with wall and CPU seconds (user + system of the whole process, so DuckDB's threads count),
then the same time by step of the load (:func:`step_of`: reading and checking the calls, the
other entities, cross-row checks, storing, each mart, the checkpoint, the rest), then the
totals. ``--bare`` also times, in the same process, the bare read that :mod:`benchmarks.etl`
compares with (``CREATE TABLE calls AS SELECT * FROM read_csv(...)`` of the calls files into a
new database, with its checkpoint), so the steps can be read against it. For finding the next
thing to speed up and for showing what costs what, not for quoting the ratio: the figures that
compare with the bare read are :mod:`benchmarks.etl`'s (fresh processes, start-up included).

``--floor`` (implies ``--bare``) also times, in the same process, the calls read as the load
reads them (every column as text, the load's strict CSV options) and cast with ``TRY_CAST`` to
the contract's types into a stored table, checkpointed (:func:`typed_read`): the load's read
and write of the calls without any of its rules. It then prints the floor the contract sets:
the load's calls steps (reading, typing and checking; storing) against the bare read, what the
rules add to the typed read, and what everything else (the marts, the other entities, the
cross-row checks) costs as a multiple of the bare read.
"""

from __future__ import annotations

import argparse
import re
import resource
import tempfile
import time
from collections import defaultdict
from pathlib import Path


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Timed:
    """A DuckDB connection whose execute calls are timed (wall, CPU) into ``log``."""

    def __init__(self, con, log: list):
        self._con, self._log = con, log

    def execute(self, sql, *args, **kwargs):
        wall, cpu = time.perf_counter(), _cpu()
        try:
            return self._con.execute(sql, *args, **kwargs)
        finally:
            self._log.append((time.perf_counter() - wall, _cpu() - cpu, re.sub(r"\s+", " ", str(sql))[:150]))

    def __getattr__(self, name):
        return getattr(self._con, name)


_STEPS = (
    (r"INSERT INTO stage_calls_t", "calls: read, type and check per row (one pass, into the stored layout)"),
    (r"INSERT INTO stage_\w+_t", "other entities: read, type and check per row"),
    (r"INSERT INTO cross_|HAVING count\(\*\) > 1", "cross-row checks (keys, references, dates)"),
    (r"UPDATE main\.stage_|DELETE FROM main\.stage_|ALTER TABLE main\.stage_|rejected_rows|cl_rejected|cl_texts",
     "storing: lines, rejected rows, the staged table made the stored one"),
    (r"_tx_|transcript_(turns|calls|practices)", "transcripts step (detection of no calls when there are none)"),
    (r"^CHECKPOINT", "checkpoint (publishing)"),
)


def step_of(sql: str) -> str:
    """The step of the load a statement belongs to, for the breakdown: a mart by its name."""
    if re.match(r"\s*CREATE VIEW \w+ AS", sql):
        return "mart views (definitions only: nothing computed)"
    mart = re.match(r"\s*CREATE (?:TEMP )?TABLE (\w+) AS", sql)
    if mart:
        return f"mart {mart.group(1)}" + (" (temporary: the summary tables' shared rows)"
                                          if sql.lstrip().startswith("CREATE TEMP") else "")
    for pattern, step in _STEPS:
        if re.search(pattern, sql):
            return step
    return "other statements (schema, bookkeeping, views, macros, small queries)"


def breakdown(log: list) -> list[tuple[str, int, float, float]]:
    """(step, statements, wall s, CPU s) per step of :func:`step_of`, the costliest first."""
    steps: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for wall, cpu, sql in log:
        row = steps[step_of(sql)]
        row[0] += 1
        row[1] += wall
        row[2] += cpu
    return sorted(((k, int(v[0]), v[1], v[2]) for k, v in steps.items()), key=lambda r: -r[3])


def bare_read(source: Path, folder: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of the benchmark's bare read of ``source``'s calls files, in process."""
    import duckdb

    from benchmarks.etl import calls_files

    wall, cpu = time.perf_counter(), _cpu()
    con = duckdb.connect(str(folder / "bare.duckdb"))
    con.execute("CREATE TABLE calls AS SELECT * FROM read_csv(?)", [calls_files(source)])
    con.close()
    return time.perf_counter() - wall, _cpu() - cpu


def typed_read(source: Path, folder: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of reading ``source``'s calls files as the load reads them (every
    column as text, the load's strict CSV options, no sniffing) and storing them cast with
    ``TRY_CAST`` to the contract's types (no rule checked, nothing rejected), checkpointed,
    into a new database, in process: the part of the load's calls step the bare read also does."""
    import duckdb

    from benchmarks.etl import calls_files
    from calmline.etl.contract import SQL_TYPES, entity
    from calmline.etl.sql_text import lit, q

    pattern = calls_files(source)
    first = sorted(Path(pattern).parent.glob(Path(pattern).name))[0]
    header = first.open(encoding="utf-8").readline().rstrip("\r\n").split(",")
    kinds = {c.name: SQL_TYPES[c.kind] for c in entity("calls").columns}
    columns = "{" + ", ".join(f"{lit(h)}: 'VARCHAR'" for h in header) + "}"
    cast = ", ".join(f"TRY_CAST({q(h)} AS {kinds.get(h, 'VARCHAR')}) AS {q(h)}" for h in header)
    wall, cpu = time.perf_counter(), _cpu()
    con = duckdb.connect(str(folder / "typed.duckdb"))
    con.execute(f"CREATE TABLE calls AS SELECT {cast} FROM read_csv(?, columns = {columns}, header = true, "
                f"delim = ',', quote = '\"', escape = '\"', auto_detect = false, strict_mode = true, "
                f"null_padding = false, encoding = 'utf-8')", [pattern])
    con.close()
    return time.perf_counter() - wall, _cpu() - cpu


def floor(steps: list[tuple[str, int, float, float]], cpu: float, bare: float, typed: float) -> None:
    """Print the load's CPU seconds by part as multiples of the bare read's (``bare``): the calls
    (read, checked, stored), against the typed read without rules (``typed``), and the rest."""
    def part(*prefixes: str) -> float:
        return sum(c for step, _, _, c in steps if step.startswith(prefixes))

    calls = part("calls:", "storing:", "checkpoint")
    marts = part("mart ")
    rest = cpu - calls - marts
    print(f"\nfloor (CPU s, in process; bare read {bare:.2f} CPU s = 1.00x):")
    print(f"  typed read of the calls, no rules (TRY_CAST, stored)  {typed:6.2f}  {typed / bare:.2f}x")
    print(f"  the load's calls: read, type, check, store, publish   {calls:6.2f}  {calls / bare:.2f}x"
          f"  (the rules and their bookkeeping: {calls - typed:+.2f} CPU s)")
    print(f"  the marts                                             {marts:6.2f}  {marts / bare:.2f}x")
    print(f"  everything else (other entities, cross-row checks, bookkeeping, Python)"
          f"  {rest:6.2f}  {rest / bare:.2f}x")
    print(f"  the load                                              {cpu:6.2f}  {cpu / bare:.2f}x"
          f"  (1.5x would be {1.5 * bare:.2f} CPU s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--bare", action="store_true", help="also time the bare read, in process")
    parser.add_argument("--floor", action="store_true",
                        help="also time a typed read without rules, and print the load by part against the bare read")
    args = parser.parse_args()
    from calmline.etl import load as load_module

    log: list = []
    real = load_module.connect
    load_module.connect = lambda *a, **k: _Timed(real(*a, **k), log)
    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu = time.perf_counter(), _cpu()
        load_module.load(args.source, Path(tmp) / "profile.duckdb")
        wall, cpu = time.perf_counter() - wall, _cpu() - cpu
        bare = bare_read(args.source, Path(tmp)) if args.bare or args.floor else None
        typed = typed_read(args.source, Path(tmp)) if args.floor else None
    for w, c, sql in sorted(log, reverse=True)[: args.top]:
        print(f"{w:6.2f} s {c:6.2f} CPU-s  {sql}")
    print("\nby step (wall s, CPU s, statements):")
    for step, n, w, c in breakdown(log):
        print(f"{w:6.2f} s {c:6.2f} CPU-s {n:4d}  {step}")
    outside = (wall - sum(w for w, _, _ in log), cpu - sum(c for _, c, _ in log))
    print(f"{outside[0]:6.2f} s {outside[1]:6.2f} CPU-s       outside SQL statements (Python; the hashing thread)")
    if bare:
        print(f"bare read, same process: {bare[0]:.2f} s ({bare[1]:.2f} CPU-s); load / bare read "
              f"{wall / bare[0]:.2f} wall, {cpu / bare[1]:.2f} CPU (in process, no start-up)")
    if typed:
        floor(breakdown(log), cpu, bare[1], typed[1])
    print(f"statements {sum(w for w, _, _ in log):.2f} s ({sum(c for _, c, _ in log):.2f} CPU-s) of "
          f"{wall:.2f} s ({cpu:.2f} CPU-s) in all, {len(log)} statements")


if __name__ == "__main__":
    main()
