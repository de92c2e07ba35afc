"""Run one measured child process: wall time and the child's own peak resident memory."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_child(args: list[str]) -> tuple[float, float, str]:
    """Run ``args`` (the installed calmline); return (wall seconds, peak RSS in MB, stdout).

    Output goes to temporary files, so a chatty child cannot fill a pipe and stall.
    Exits the benchmark with the child's stderr when it fails.
    """
    wall, rss, out, err, code = run_measured(args)
    if code != 0:
        sys.exit(f"{' '.join(args[:4])} failed:\n{err[-3000:]}")
    return wall, rss, out


def run_measured(args: list[str], preexec_fn=None) -> tuple[float, float, str, str, int]:
    """Run ``args``; return (wall seconds, peak RSS in MB, stdout, stderr, exit code), whatever the
    exit. ``preexec_fn`` runs in the child before it starts ``args`` (subprocess.Popen's)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, env=dict(os.environ), text=True,
                                preexec_fn=preexec_fn)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        return wall, usage.ru_maxrss / 1024, out.read(), err.read(), os.waitstatus_to_exitcode(status)
