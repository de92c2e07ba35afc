"""Run a benchmark's child process under a hard memory limit: a memory cgroup of its own.

"Completes in <= 4 GB" (issue #12) is a limit, not a peak: the system keeps the child's memory
under it (reclaiming file pages, DuckDB's reads and spills included) and kills the child when it
cannot. The child runs in a new cgroup below the benchmark's own, with that limit and no swap
(cgroup v1's ``memory`` controller or cgroup v2's; the benchmark must be allowed to create one,
as root in a container usually is). The cgroup is removed afterwards.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from benchmarks.measure import run_measured

ROOT = Path("/sys/fs/cgroup")


def parse_size(text: str) -> int:
    """Bytes of a size such as ``4G``, ``4GB``, ``3500M`` or ``4096MiB`` (powers of 1024)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*", text, re.IGNORECASE)
    if not match:
        raise ValueError(f"not a size: {text!r} (say 4G, 3500M)")
    power = " KMGT".index(match.group(2).upper() or " ")
    return int(float(match.group(1)) * 1024 ** power)


class MemoryCap:
    """A new memory cgroup with a limit of ``limit`` bytes and no swap; :meth:`run` a child in it."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.v2, parent = _own_memory_cgroup()
        self.path = parent / f"calmline-bench-{os.getpid()}-{time.monotonic_ns()}"
        self.path.mkdir()
        if self.v2:
            (self.path / "memory.max").write_text(str(limit))
            swap = self.path / "memory.swap.max"
            if swap.exists():
                swap.write_text("0")
        else:
            (self.path / "memory.limit_in_bytes").write_text(str(limit))
            swap = self.path / "memory.memsw.limit_in_bytes"
            if swap.exists():
                swap.write_text(str(limit))

    def run(self, args: list[str]) -> tuple[float, float, str, str, int]:
        """Run ``args`` in the cgroup: (wall seconds, peak RSS in MB, stdout, stderr, exit code)."""
        procs = self.path / "cgroup.procs"

        def enter() -> None:  # in the child, before it runs anything
            procs.write_text(str(os.getpid()))

        return run_measured(args, preexec_fn=enter)

    def killed_for_memory(self) -> bool:
        """Whether the system killed a process of the cgroup for want of memory."""
        if self.v2:
            events = (self.path / "memory.events").read_text()
            return int(re.search(r"oom_kill (\d+)", events).group(1)) > 0
        control = (self.path / "memory.oom_control").read_text()
        found = re.search(r"oom_kill (\d+)", control)
        if found:
            return int(found.group(1)) > 0
        return int((self.path / "memory.failcnt").read_text()) > 0

    def peak_mb(self) -> float:
        """The cgroup's peak memory charge in MB (resident pages and the file pages it read or wrote)."""
        name = "memory.peak" if self.v2 else "memory.max_usage_in_bytes"
        peak = self.path / name
        return int(peak.read_text()) / 2 ** 20 if peak.exists() else float("nan")

    def close(self) -> None:
        """Remove the cgroup (its processes have ended)."""
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.1)


def _own_memory_cgroup() -> tuple[bool, Path]:
    """(cgroup v2, the folder of this process's memory cgroup)."""
    lines = Path("/proc/self/cgroup").read_text().splitlines()
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            return False, ROOT / "memory" / path.lstrip("/")
    for line in lines:
        if line.startswith("0::"):
            base = ROOT / "unified" if (ROOT / "unified" / "cgroup.controllers").exists() else ROOT
            folder = base / line[3:].lstrip("/")
            if "memory" in (folder / "cgroup.controllers").read_text().split():
                return True, folder
    raise RuntimeError("no memory cgroup to create a limited one under (/proc/self/cgroup)")
