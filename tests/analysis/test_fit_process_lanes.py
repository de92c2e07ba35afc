"""The fit's lanes as forked processes (calmline.analysis.schedule, #12): each step but the local ones
runs in a process of its own, beside another, and hands back its result; a local step runs in the
fit's own process while the forked ones run; a step's error, a result or error that cannot be sent
back, and a process killed mid-step each stop the run with words that name the step."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest

from calmline.analysis import schedule
from calmline.analysis.schedule import Step

pytestmark = pytest.mark.skipif(not schedule.process_lanes(), reason="the system cannot fork")


def _span(seconds: float, value=None):
    """A step that sleeps ``seconds`` and returns (its process id, when it started, when it ended,
    ``value``)."""
    def run(*inputs):
        start = time.monotonic()
        time.sleep(seconds)
        return os.getpid(), start, time.monotonic(), value if value is not None else sum(inputs)
    return run


def test_steps_run_in_processes_of_their_own_at_once_and_hand_back_their_results():
    shared = np.arange(1_000_000, dtype=float)  # read by the forked steps as the caller made it
    steps = [Step("a", "A", lambda: float(shared.sum())),
             Step("b", "B", lambda a: (os.getpid(), a + 1), ("a",)),
             Step("c", "C", _span(0.6, "c")), Step("d", "D", _span(0.6, "d"))]
    said = []
    start = time.monotonic()
    results, timings = schedule.run(steps, 2, keep=["a", "b", "c", "d"], progress=said.append, processes=True)
    assert results["a"] == float(shared.sum())
    assert results["b"][1] == float(shared.sum()) + 1
    assert results["b"][0] != os.getpid() and results["c"][0] != os.getpid()  # forked
    (_, c0, c1, _), (_, d0, d1, _) = results["c"][:4], results["d"][:4]
    assert c0 < d1 and d0 < c1, "c and d did not run at once"
    assert time.monotonic() - start < 1.1  # 2 x 0.6 s of sleep on two lanes
    assert "C; D" in said
    assert set(timings) == {"a", "b", "c", "d"} and timings["c"].wall >= 0.55


def test_a_local_step_runs_here_beside_a_forked_one_and_the_next_step_reads_its_result():
    here = os.getpid()
    steps = [Step("slow", "slow", _span(0.8, "slow")),
             Step("design", "design", lambda: (*_span(0.4, np.ones(5))(), ), local=True),
             Step("model", "model", lambda design: (os.getpid(), float(design[3].sum())), ("design",))]
    results, _ = schedule.run(steps, 2, keep=["slow", "design", "model"], processes=True)
    pid, started, ended, _ = results["design"]
    assert pid == here  # the local step ran in this process
    assert started < results["slow"][2] and results["slow"][1] < ended  # while the forked one ran
    assert results["model"] == (results["model"][0], 5.0) and results["model"][0] != here


def test_forked_is_called_here_once_the_step_has_started():
    handed = [np.ones(10)]
    steps = [Step("cox", "Cox", lambda: float(handed[-1].sum()), forked=handed.clear)]
    results, _ = schedule.run(steps, 2, keep=["cox"], processes=True)
    assert results["cox"] == 10.0  # the child read its own view
    assert handed == []  # let go here


def test_an_error_in_a_forked_step_stops_the_run_and_is_raised_as_it_was():
    def fail():
        raise np.linalg.LinAlgError("singular matrix")

    steps = [Step("bad", "bad", fail), Step("slow", "slow", _span(0.2)),
             Step("after", "after", lambda _: 1, ("bad",))]
    with pytest.raises(np.linalg.LinAlgError, match="singular matrix"):
        schedule.run(steps, 2, processes=True)


class _Unpicklable(Exception):
    def __init__(self, message, handle):
        super().__init__(message)
        self.handle = handle  # a lock: cannot be pickled


def test_an_error_that_cannot_be_sent_back_comes_as_its_traceback():
    def fail():
        raise _Unpicklable("the covariance is not positive", threading.Lock())

    with pytest.raises(RuntimeError, match=r"(?s)step 'bad' failed.*_Unpicklable: the covariance is not positive"):
        schedule.run([Step("bad", "bad", fail), Step("other", "other", lambda: 1)], 2, processes=True)


def test_a_result_that_cannot_be_sent_back_names_the_step():
    with pytest.raises(RuntimeError, match="step 'odd' gave a result that cannot be sent back"):
        schedule.run([Step("odd", "odd", threading.Lock), Step("other", "other", lambda: 1)], 2,
                     keep=["odd"], processes=True)


def test_a_step_killed_mid_way_stops_the_run_with_its_name():
    def killed():
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(RuntimeError, match=r"step 'dose-response' ended without a result .*code -9: killed by "
                                           r"the system, most often for want of memory; CALMLINE_FIT_LANES=1"):
        schedule.run([Step("dose", "dose-response", killed), Step("other", "other", lambda: 1)], 2,
                     processes=True)


def test_two_heavy_steps_never_run_at_once_in_processes():
    steps = [Step("heavy1", "H1", _span(0.3, 1), heavy=True), Step("heavy2", "H2", _span(0.3, 2), heavy=True),
             Step("light", "L", _span(0.3, 3))]
    said = []
    results, _ = schedule.run(steps, 2, keep=["heavy1", "heavy2", "light"], progress=said.append, processes=True)
    (_, a0, a1, _), (_, b0, b1, _) = results["heavy1"], results["heavy2"]
    assert a1 <= b0 or b1 <= a0
    assert said[0] == "H1; L"


class _NotReadBack:
    """Pickles, but its unpickling fails (a class whose reconstruction raises)."""

    def __reduce__(self):
        return (_refuse, ())


def _refuse():
    raise ValueError("cannot be rebuilt")


def test_a_result_that_cannot_be_read_back_names_the_step():
    with pytest.raises(RuntimeError, match="step 'odd' sent back what cannot be read: cannot be rebuilt"):
        schedule.run([Step("odd", "odd", _NotReadBack), Step("other", "other", lambda: 1)], 2,
                     keep=["odd"], processes=True)
