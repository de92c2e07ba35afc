"""Where a load's time goes: every SQL statement of one `calmline etl` run, timed in process.

    python -m benchmarks.etl_profile SOURCE [--top 25]

Loads SOURCE into a new database in a temporary folder and prints the slowest statements
with wall and CPU seconds (user + system of the whole process, so DuckDB's threads count),
then the totals. For finding the next thing to speed up, not for quoting: the figures that
compare with the bare read are :mod:`benchmarks.etl`'s.
"""

from __future__ import annotations

import argparse
import re
import resource
import tempfile
import time
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    from calmline.etl import load as load_module

    log: list = []
    real = load_module.connect
    load_module.connect = lambda *a, **k: _Timed(real(*a, **k), log)
    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu = time.perf_counter(), _cpu()
        load_module.load(args.source, Path(tmp) / "profile.duckdb")
        wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    for w, c, sql in sorted(log, reverse=True)[: args.top]:
        print(f"{w:6.2f} s {c:6.2f} CPU-s  {sql}")
    print(f"statements {sum(w for w, _, _ in log):.2f} s ({sum(c for _, c, _ in log):.2f} CPU-s) of "
          f"{wall:.2f} s ({cpu:.2f} CPU-s) in all, {len(log)} statements")


if __name__ == "__main__":
    main()
