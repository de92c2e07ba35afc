"""Run the steps of a fit on a few threads, each step as soon as the steps it reads are done.

The model families are numpy work that releases the GIL, so two threads use both cores of a
2-core machine. A step names the steps whose results it reads (``needs``); everything else
it reads must not change while steps run (the runner hands them the population, the horizon's
calls and the design, and no family writes into what it was handed). Results do not depend on
the number of threads: each step is the same call on the same inputs, and the caller assembles
the results in its own order.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

THREADS_SETTING = "CALMLINE_FIT_THREADS"
"""Environment variable: how many threads `calmline fit` runs its models on (1 runs them one
after the other, in the calling thread)."""

DEFAULT_THREADS = 1
"""Threads when :data:`THREADS_SETTING` is not set. One: at 1M upset calls two threads held about
1 GB more at their peak (two families' temporaries at once: 2.9 against 2.0 GB) for 0.85x the wall
time, and only when both cores were free; on a busy machine they gained nothing (benchmarks/README.md,
Fitting, session 12). ``CALMLINE_FIT_THREADS=2`` is for a machine with a free core and the memory."""


@dataclass(frozen=True)
class Step:
    """One step of a fit.

    Attributes
    ----------
    key : str
        Unique name of the step, as other steps' ``needs`` name it.
    label : str
        What the progress message says while it runs.
    run : callable
        Called with the results of ``needs``, in that order.
    needs : tuple of str
        Keys of the steps whose results it reads (listed earlier in the same run).
    heavy : bool
        One whose temporaries are among the largest: two heavy steps never run at once (the
        memory of the two would add up), a heavy one runs beside any other.
    """

    key: str
    label: str
    run: Callable[..., Any]
    needs: tuple[str, ...] = ()
    heavy: bool = False


@dataclass
class Timing:
    """Wall and CPU seconds of one step. CPU: of the thread that ran it (``time.thread_time``)
    when steps overlap, of the whole process (``time.process_time``, BLAS's own threads too)
    when they run one at a time."""

    wall: float
    cpu: float


def threads(setting: str | None = None) -> int:
    """How many threads a fit runs on.

    Parameters
    ----------
    setting : str, optional
        :data:`THREADS_SETTING`'s value (read from the environment when not given): a whole
        number of at least 1. Empty or unset means :data:`DEFAULT_THREADS`.

    Returns
    -------
    int
        At least 1.
    """
    text = (os.environ.get(THREADS_SETTING, "") if setting is None else setting).strip()
    if not text:
        return DEFAULT_THREADS
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{THREADS_SETTING} must be a whole number of at least 1 (got {text!r})")
    return value


def run(steps: Sequence[Step], lanes: int, *, keep: Sequence[str] = (),
        progress: Callable[[str], None] | None = None) -> tuple[dict[str, Any], dict[str, Timing]]:
    """Run ``steps`` on ``lanes`` threads, each once every step it needs is done.

    Parameters
    ----------
    steps : sequence of Step
        In order of priority: when a thread is free, the first step whose inputs are ready
        starts (put the steps on the longest chain of work first). Each step's ``needs``
        must come earlier in the sequence.
    lanes : int
        Threads; 1 runs the steps in the calling thread in the order given.
    keep : sequence of str
        Keys whose results are returned. Any other result is let go as soon as every step
        that needs it is done (a design matrix is not held while the last steps run).
    progress : callable, optional
        Called with the labels of the steps running, joined by ``"; "``, whenever they change
        (steps with an empty label are not shown).

    Returns
    -------
    results, timings
        The kept results by key, and every step's :class:`Timing` by key.

    Raises
    ------
    Exception
        The first error of a step, once the steps already running have ended (no new step
        starts after an error).
    """
    order = {s.key: i for i, s in enumerate(steps)}
    if len(order) != len(steps):
        raise ValueError("two steps have the same key")
    for s in steps:
        late = [n for n in s.needs if order.get(n, len(steps)) >= order[s.key]]
        if late:
            raise ValueError(f"step {s.key!r} needs {late}, which is not an earlier step")
    waiting = {s.key: sum(s.key in other.needs for other in steps) for s in steps}  # steps still to read it
    results: dict[str, Any] = {}
    timings: dict[str, Timing] = {}
    say = progress or (lambda _: None)
    running: dict[Future | str, Step] = {}

    def shown() -> None:
        labels = [s.label for s in running.values() if s.label]
        if labels:
            say("; ".join(labels))

    def finished(step: Step, value: Any, timing: Timing) -> None:
        results[step.key], timings[step.key] = value, timing
        for name in step.needs:  # a result no step still to run needs is let go
            waiting[name] -= 1
            if waiting[name] == 0 and name not in keep:
                results.pop(name, None)
        if waiting[step.key] == 0 and step.key not in keep:
            results.pop(step.key, None)

    if lanes <= 1:
        for step in steps:
            running = {step.key: step}
            shown()
            value, timing = _timed(step, [results[n] for n in step.needs], time.process_time)
            finished(step, value, timing)
        return {k: results[k] for k in keep if k in results}, timings

    todo = list(steps)
    error: BaseException | None = None
    with ThreadPoolExecutor(max_workers=lanes, thread_name_prefix="calmline-fit") as pool:
        while todo or running:
            started = False
            for step in [s for s in todo if all(n in timings for n in s.needs)] if error is None else []:
                if len(running) == lanes:
                    break
                if step.heavy and any(r.heavy for r in running.values()):
                    continue
                todo.remove(step)
                running[pool.submit(_timed, step, [results[n] for n in step.needs], time.thread_time)] = step
                started = True
            if started:
                shown()
            if not running:
                break
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: order[running[f].key]):
                step = running.pop(future)
                try:
                    value, timing = future.result()
                except BaseException as exc:  # noqa: BLE001 - raised below, once the others end
                    error = error or exc
                    continue
                finished(step, value, timing)
            if running:
                shown()
    if error is not None:
        raise error
    return {k: results[k] for k in keep if k in results}, timings


def _timed(step: Step, inputs: list, clock: Callable[[], float]) -> tuple[Any, Timing]:
    """``step.run(*inputs)`` and its wall seconds and CPU seconds by ``clock``."""
    start, start_cpu = time.monotonic(), clock()
    value = step.run(*inputs)
    return value, Timing(time.monotonic() - start, clock() - start_cpu)
