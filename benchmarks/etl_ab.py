"""Same-run A/B of the ETL: the code of an earlier commit, the code now and the bare read, alternating.

    python -m benchmarks.etl_ab --before fdc5c26 [--source DIR] [--rounds 3]

On a shared machine wall times mostly measure the other work; running the two versions of the
load and the bare read back to back, round after round, in fresh processes, gives ratios that
hold (now / before, and each against the bare read), in wall and in CPU seconds, with each
side's peak memory. The earlier code is a ``git archive`` of ``--before`` in a temporary folder,
run through a launcher that maps the ``calmline.*`` packages to it (as pyproject's package-dir
maps them to this checkout). ``--source`` defaults to the cached one-file 1M-call source of
:mod:`benchmarks.etl`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.etl import BARE, ROOT, calls_files, run_child_cpu

LAUNCHER = """
import importlib.util, sys
from pathlib import Path
root = Path(sys.argv.pop(1))
def mount(name, folder):
    spec = importlib.util.spec_from_file_location(name, folder / "__init__.py",
                                                  submodule_search_locations=[str(folder)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
mount("calmline", root / "calmline")
for sub in ("etl", "queries", "analysis", "dashboard"):
    if (root / sub / "__init__.py").exists():
        mount("calmline." + sub, root / sub)
from calmline.etl import load as etl_load
assert etl_load.__file__.startswith(str(root)), etl_load.__file__
from calmline.cli import app
sys.argv[0] = "calmline"
app()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="commit of the earlier code")
    parser.add_argument("--source", type=Path,
                        default=Path(tempfile.gettempdir()) / "calmline-bench" / "single-1000000-11")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        old = tmp / "before"
        old.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.before], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        launcher = tmp / "launch.py"
        launcher.write_text(LAUNCHER)
        sides = {
            "before": [sys.executable, str(launcher), str(old), "etl", "--source", str(args.source)],
            "now": [sys.executable, "-m", "calmline", "etl", "--source", str(args.source)],
        }
        runs: dict[str, list[tuple[float, float, float]]] = {"before": [], "now": [], "bare": []}
        for r in range(1, args.rounds + 1):
            for name in ("before", "now", "bare"):
                db = tmp / f"{name}.duckdb"
                db.unlink(missing_ok=True)
                cmd = ([sys.executable, "-c", BARE, str(db), calls_files(args.source)] if name == "bare"
                       else sides[name] + ["--db", str(db)])
                runs[name].append(run_child_cpu(cmd))
                db.unlink(missing_ok=True)
            (bw, bm, bc), (nw, nm, nc), (rw, _, rc) = (runs[k][-1] for k in ("before", "now", "bare"))
            print(f"round {r}: before {bw:6.1f} s {bc:5.1f} CPU-s {bm:5.0f} MB | now {nw:6.1f} s {nc:5.1f} CPU-s "
                  f"{nm:5.0f} MB | bare {rw:6.1f} s {rc:5.1f} CPU-s | now/before wall {nw / bw:.2f} CPU {nc / bc:.2f} "
                  f"| now/bare wall {nw / rw:.2f} CPU {nc / rc:.2f} | before/bare wall {bw / rw:.2f} CPU {bc / rc:.2f} "
                  f"| load average {os.getloadavg()[0]:.1f}", flush=True)
        ratio = lambda a, b, i: statistics.median(x[i] / y[i] for x, y in zip(runs[a], runs[b]))  # noqa: E731
        print(f"median same-run ratios: now/before wall {ratio('now', 'before', 0):.2f} CPU {ratio('now', 'before', 2):.2f}; "
              f"now/bare wall {ratio('now', 'bare', 0):.2f} CPU {ratio('now', 'bare', 2):.2f}; "
              f"before/bare wall {ratio('before', 'bare', 0):.2f} CPU {ratio('before', 'bare', 2):.2f}")


if __name__ == "__main__":
    main()
