"""Run the steps of a fit on a few lanes, each step as soon as the steps it reads are done.

A lane is a forked worker process where the system can fork (Linux, :func:`process_lanes`),
else a thread. The model families are numpy work, but their pandas parts hold the GIL: at 1M
upset calls two lanes on threads took 0.75x the wall time of one lane, two forked processes
0.64-0.72x (same rounds; benchmarks/README.md, Fitting, session 14). A forked step reads the caller's
arrays as they were when it started (the pages are shared until written, not copied) and hands
back its result pickled; a step whose result is large and read by many (the design) runs in the
calling process (``local``).

A step names the steps whose results it reads (``needs``); everything else it reads must not
change while steps run (the runner hands them the population, the horizon's calls and the
design, and no family writes into what it was handed). Results do not depend on the number of
lanes: each step is the same call on the same inputs, and the caller assembles the results in
its own order.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import connection
from typing import Any

LANES_SETTING = "CALMLINE_FIT_LANES"
"""Environment variable: how many steps of `calmline fit` run at once (1 runs them one after the
other, in the calling process)."""

TWO_LANES = (300_000, 1_500_000)
"""Upset calls (the fit's population) for which a fit runs on two lanes when :data:`LANES_SETTING`
is not set, on a machine with two cores or more and :data:`TWO_LANES_MEMORY` bytes; one lane
otherwise. At 1M upset calls two lanes (forked processes) took 0.67x the wall time of one, at
1.18 GB against 1.03 GB; at 1.48M they peaked at 1.49-1.67 GB (benchmarks/README.md, Fitting,
session 17). Two lanes hold every upset call through the models (Cox runs beside them): a larger
centre runs on one, within its memory. A smaller one fits in seconds either way, in one process."""

TWO_LANES_MEMORY = 4 * 1024**3
"""Physical memory a machine needs for the default of two lanes (:data:`TWO_LANES`)."""


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
    local : bool
        Run in the calling process even when the lanes are processes: its result is large and
        read by the steps after it (the design matrix), which then share its pages.
    forked : callable, optional
        Called in the calling process once the step has started in a forked process of its
        own: let go there of what only this step reads (the child has its own view of it).
    """

    key: str
    label: str
    run: Callable[..., Any]
    needs: tuple[str, ...] = ()
    heavy: bool = False
    local: bool = False
    forked: Callable[[], None] | None = None


@dataclass
class Timing:
    """Wall and CPU seconds of one step. CPU: of the whole process that ran it
    (``time.process_time``, BLAS's own threads too) when steps run one at a time or each in a
    process of its own, of the thread that ran it (``time.thread_time``) on threads."""

    wall: float
    cpu: float


def lanes(setting: str | None = None, upset_calls: int | None = None) -> int:
    """How many steps of a fit run at once.

    Parameters
    ----------
    setting : str, optional
        :data:`LANES_SETTING`'s value (read from the environment when not given): a whole
        number of at least 1. Empty or unset means the default for ``upset_calls``
        (:data:`TWO_LANES`).
    upset_calls : int, optional
        The fit's population; not known yet (one lane by default) when None.

    Returns
    -------
    int
        At least 1.
    """
    text = (os.environ.get(LANES_SETTING, "") if setting is None else setting).strip()
    if not text:
        low, high = TWO_LANES
        two = (upset_calls is not None and low <= upset_calls <= high and _cores() >= 2
               and _memory() >= TWO_LANES_MEMORY)
        return 2 if two else 1
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{LANES_SETTING} must be a whole number of at least 1 (got {text!r})")
    return value


def _cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # (not on Linux)
        return os.cpu_count() or 1


def _memory() -> int:
    """Bytes of physical memory (0 where the system does not say)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return 0


def run(steps: Sequence[Step], lanes: int, *, keep: Sequence[str] = (),
        progress: Callable[[str], None] | None = None, processes: bool | None = None
        ) -> tuple[dict[str, Any], dict[str, Timing]]:
    """Run ``steps`` on ``lanes`` lanes, each once every step it needs is done.

    Parameters
    ----------
    steps : sequence of Step
        In order of priority: when a lane is free, the first step whose inputs are ready
        starts (put the steps on the longest chain of work first). Each step's ``needs``
        must come earlier in the sequence.
    lanes : int
        Steps at once; 1 runs the steps in the calling thread in the order given.
    keep : sequence of str
        Keys whose results are returned. Any other result is let go as soon as every step
        that needs it is done (a design matrix is not held while the last steps run).
    progress : callable, optional
        Called with the labels of the steps running, joined by ``"; "``, whenever they change
        (steps with an empty label are not shown).
    processes : bool, optional
        With more than one lane: each step but the ``local`` ones in a forked process of its
        own (True) or on a pool of threads (False). By default processes where the system can
        fork (:func:`process_lanes`).

    Returns
    -------
    results, timings
        The kept results by key, and every step's :class:`Timing` by key.

    Raises
    ------
    Exception
        The first error of a step, once the steps already running have ended (no new step
        starts after an error). A forked step's error is raised as it was raised there; one
        that cannot be pickled, or a process that ended without a result (killed), as a
        RuntimeError naming the step.
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
    running: dict[Any, Step] = {}

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

    forked = process_lanes() if processes is None else processes
    todo = list(steps)
    error: BaseException | None = None
    with (_Forks() if forked else _Threads(lanes)) as lane:
        while todo or running:
            started, here = False, None
            for step in [s for s in todo if all(n in timings for n in s.needs)] if error is None else []:
                if len(running) + (here is not None) == lanes:
                    break
                if step.heavy and any(r.heavy for r in [*running.values(), *([here] if here else [])]):
                    continue
                if forked and step.local:
                    here = here or step  # run in this process once the forked steps have started
                    continue
                todo.remove(step)
                running[lane.start(step, [results[n] for n in step.needs])] = step
                started = True
            if here is not None:
                todo.remove(here)
                running[here.key] = here
                shown()
                try:
                    finished(here, *_timed(here, [results[n] for n in here.needs], time.process_time))
                except BaseException as exc:  # noqa: BLE001 - raised below, once the others end
                    error = error or exc
                del running[here.key]
                continue  # start what it made ready before waiting
            if started:
                shown()
            if not running:
                break
            for handle, outcome in sorted(lane.wait(list(running)), key=lambda d: order[running[d[0]].key]):
                step = running.pop(handle)
                if isinstance(outcome, BaseException):
                    error = error or outcome
                    continue
                finished(step, *outcome)
            if running:
                shown()
    if error is not None:
        raise error
    return {k: results[k] for k in keep if k in results}, timings


def process_lanes() -> bool:
    """Whether the lanes can be forked processes: the system forks (Linux; macOS can, but its
    system libraries are not safe to use in a forked child, so threads there)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


class _Threads:
    """Steps on a pool of threads: ``start`` submits one, ``wait`` returns those that ended."""

    def __init__(self, lanes: int):
        self.pool = ThreadPoolExecutor(max_workers=lanes, thread_name_prefix="calmline-fit")

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.pool.shutdown(wait=True)

    def start(self, step: Step, inputs: list) -> Future:
        return self.pool.submit(_timed, step, inputs, time.thread_time)

    def wait(self, handles: list) -> list[tuple[Any, Any]]:
        done, _ = wait(handles, return_when=FIRST_COMPLETED)
        out = []
        for future in done:
            try:
                out.append((future, future.result()))
            except BaseException as exc:  # noqa: BLE001 - the caller raises it
                out.append((future, exc))
        return out


class _Forks:
    """Each step in a forked process of its own, its result sent back pickled through a pipe.

    The child shares the caller's memory as it was at the fork (pages are copied only when one
    side writes them), so it reads the population and the design without a copy. It ends with
    ``os._exit`` (multiprocessing's fork start), so nothing of the caller's (its open database
    connection) is closed or flushed from the child. Leaving the ``with`` block ends any child
    still running (an interrupted fit leaves none behind)."""

    def __init__(self):
        self.context = multiprocessing.get_context("fork")
        self.children: dict[connection.Connection, tuple[Any, Step]] = {}

    def __enter__(self):
        return self

    def __exit__(self, *_):
        for conn, (process, _) in self.children.items():
            process.terminate()
            process.join()
            conn.close()

    def start(self, step: Step, inputs: list) -> connection.Connection:
        receive, send = self.context.Pipe(duplex=False)
        process = self.context.Process(target=_child, args=(step, inputs, send), daemon=True,
                                       name=f"calmline-fit {step.key}")
        process.start()
        send.close()  # the child's end: the parent's copy closed, so a dead child reads as EOF
        self.children[receive] = (process, step)
        if step.forked is not None:
            step.forked()
        return receive

    def wait(self, handles: list) -> list[tuple[Any, Any]]:
        out = []
        for conn in connection.wait(handles):
            process, step = self.children.pop(conn)
            try:
                outcome = conn.recv()
            except EOFError:
                outcome = None
            except Exception as exc:  # noqa: BLE001 - sent, but it would not unpickle here
                outcome = ("error", RuntimeError(f"the fit's step {step.key!r} sent back what cannot be "
                                                 f"read: {exc}"))
            process.join()
            conn.close()
            if outcome is None:
                outcome = RuntimeError(f"the fit's step {step.label or step.key!r} ended without a result "
                                       f"(its process exited with code {process.exitcode}{_why(process.exitcode)})")
            elif outcome[0] == "error":
                outcome = outcome[1]
            else:
                outcome = outcome[1:]
            out.append((conn, outcome))
        return out


def _why(exitcode: int | None) -> str:
    """What a forked step's exit code most likely means, for its error message."""
    if exitcode == -signal.SIGKILL:
        return (": killed by the system, most often for want of memory; "
                f"{LANES_SETTING}=1 runs one model family at a time and needs less")
    return ""


def _child(step: Step, inputs: list, send: connection.Connection) -> None:
    """A forked step: run it, send ``("ok", value, timing)`` or ``("error", exception)``.

    Its standard output and error are new file objects on the same descriptors: another thread
    of the caller (a terminal's status line) may have held the old ones' locks at the fork, and
    a child that wrote through them would wait for ever."""
    sys.stdout, sys.stderr = _fresh(sys.__stdout__), _fresh(sys.__stderr__)
    try:
        message = ("ok", *_timed(step, inputs, time.process_time))
    except BaseException as exc:  # noqa: BLE001 - sent to the caller, who raises it
        message = ("error", _sendable(exc, step))
    try:
        send.send(message)
    except Exception as exc:  # noqa: BLE001 - the result itself would not pickle
        send.send(("error", RuntimeError(f"the fit's step {step.key!r} gave a result that cannot be "
                                         f"sent back: {exc}")))
    send.close()


def _fresh(stream):
    """A new text file on ``stream``'s descriptor (os.devnull when it has none)."""
    try:
        return os.fdopen(os.dup(stream.fileno()), "w", buffering=1)
    except (AttributeError, OSError, ValueError):  # no stream, or one without a descriptor
        return open(os.devnull, "w")


def _sendable(exc: BaseException, step: Step) -> BaseException:
    """``exc`` if it pickles (and unpickles) as itself, else a RuntimeError with its traceback."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 - any failure to pickle means: send the text
        text = "".join(traceback.format_exception(exc)).strip()
        return RuntimeError(f"the fit's step {step.key!r} failed:\n{text}")


def _timed(step: Step, inputs: list, clock: Callable[[], float]) -> tuple[Any, Timing]:
    """``step.run(*inputs)`` and its wall seconds and CPU seconds by ``clock``."""
    start, start_cpu = time.monotonic(), clock()
    value = step.run(*inputs)
    return value, Timing(time.monotonic() - start, clock() - start_cpu)
