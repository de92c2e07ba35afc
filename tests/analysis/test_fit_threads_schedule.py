"""The fit's scheduler (calmline.analysis.schedule, #12) on threads (``processes=False``, the lanes
where the system cannot fork): a step starts only once the steps it reads are done, two run at once
on two lanes, a result no step still needs is let go, an error stops the run, and CALMLINE_FIT_LANES
sets the lanes. The same on forked processes: test_fit_process_lanes.py."""

from __future__ import annotations

import threading
import time

import pytest

from calmline.analysis import schedule
from calmline.analysis.schedule import Step


def _diamond(log: list, gate: threading.Barrier | None = None):
    """a -> (b, c) -> d; b and c wait for each other at ``gate`` (so they must overlap)."""
    def step(name, value):
        def run(*inputs):
            log.append(("start", name))
            if gate is not None and name in ("b", "c"):
                gate.wait(timeout=5)
            log.append(("end", name))
            return value + sum(inputs)
        return run
    return [Step("a", "A", step("a", 1)), Step("b", "B", step("b", 10), ("a",)),
            Step("c", "C", step("c", 100), ("a",)), Step("d", "D", step("d", 1000), ("b", "c"))]


@pytest.mark.parametrize("lanes", [1, 2])
def test_each_step_starts_after_the_steps_it_reads_and_gets_their_results(lanes):
    log = []
    gate = threading.Barrier(2) if lanes == 2 else None
    results, timings = schedule.run(_diamond(log, gate), lanes, keep=["d", "b"], processes=False)
    assert results == {"d": 1000 + 11 + 101, "b": 11}  # a and c let go: nothing kept them
    assert set(timings) == {"a", "b", "c", "d"}
    order = [entry for entry in log]
    assert order.index(("end", "a")) < order.index(("start", "b")) < order.index(("start", "d"))
    assert order.index(("end", "c")) < order.index(("start", "d"))
    if lanes == 1:
        assert [n for kind, n in log if kind == "start"] == ["a", "b", "c", "d"]


def test_two_lanes_run_two_steps_at_once_and_say_so():
    said = []
    gate = threading.Barrier(2)  # b and c both waiting at once: a timeout here means they did not overlap
    schedule.run(_diamond([], gate), 2, progress=said.append, processes=False)
    assert said[0] == "A" and "B; C" in said and said[-1] == "D"


def test_thread_cpu_is_counted_per_step_on_two_lanes():
    def spin(seconds):
        def run(*_):
            end = time.thread_time() + seconds
            while time.thread_time() < end:
                pass
        return run

    steps = [Step("x", "X", spin(0.15)), Step("y", "Y", lambda: time.sleep(0.15))]
    _, timings = schedule.run(steps, 2, processes=False)
    assert timings["x"].cpu >= 0.14 and timings["y"].cpu < 0.05  # y slept while x spun
    assert timings["y"].wall >= 0.14


def test_an_error_stops_the_run_and_is_raised():
    ran = []

    def fail():
        raise RuntimeError("singular matrix")

    steps = [Step("bad", "bad", fail), Step("slow", "slow", lambda: time.sleep(0.1) or ran.append("slow")),
             Step("after", "after", lambda _: ran.append("after"), ("bad",))]
    for lanes in (1, 2):
        ran.clear()
        with pytest.raises(RuntimeError, match="singular matrix"):
            schedule.run(steps, lanes, processes=False)
        assert "after" not in ran


def test_a_step_must_come_after_what_it_needs():
    with pytest.raises(ValueError, match="not an earlier step"):
        schedule.run([Step("b", "B", lambda a: a, ("a",)), Step("a", "A", lambda: 1)], 2)


def test_lanes_setting(monkeypatch):
    monkeypatch.delenv(schedule.LANES_SETTING, raising=False)
    assert schedule.lanes() == 1  # the population's size not known yet
    assert schedule.lanes("2") == 2 and schedule.lanes(" 3 ") == 3 and schedule.lanes("") == 1
    monkeypatch.setenv(schedule.LANES_SETTING, "2")
    assert schedule.lanes() == 2
    assert schedule.lanes(upset_calls=5_000_000) == 2  # asked for: whatever the size
    monkeypatch.setenv(schedule.LANES_SETTING, "1")
    assert schedule.lanes(upset_calls=1_000_000) == 1
    for bad in ("0", "two", "-1"):
        with pytest.raises(ValueError, match=schedule.LANES_SETTING):
            schedule.lanes(bad)


def test_two_heavy_steps_never_run_at_once():
    running, most = set(), []
    lock = threading.Lock()

    def work(name):
        def run():
            with lock:
                running.add(name)
                most.append(sum(1 for n in running if n.startswith("heavy")))
            time.sleep(0.05)
            with lock:
                running.discard(name)
        return run

    steps = [Step("heavy1", "H1", work("heavy1"), heavy=True), Step("heavy2", "H2", work("heavy2"), heavy=True),
             Step("light", "L", work("light"))]
    said = []
    schedule.run(steps, 2, progress=said.append, processes=False)
    assert max(most) == 1
    assert said[0] == "H1; L"  # the light one runs beside the first heavy one, the second waits


@pytest.mark.parametrize("upset_calls, cores, memory_gb, expected", [
    (1_000_000, 2, 24, 2),    # a mid-sized centre on this machine: two families at a time
    (299_999, 2, 24, 1),      # a small one fits in seconds in one process
    (1_500_001, 2, 24, 1),    # a large one holds every upset call through the models on two: one
    (10_000_000, 8, 64, 1),
    (1_000_000, 1, 24, 1),    # no second core
    (1_000_000, 2, 2, 1),     # too little memory for two
])
def test_unset_lanes_are_two_for_a_mid_sized_centre_on_a_machine_with_room(monkeypatch, upset_calls, cores,
                                                                           memory_gb, expected):
    monkeypatch.delenv(schedule.LANES_SETTING, raising=False)
    monkeypatch.setattr(schedule, "_cores", lambda: cores)
    monkeypatch.setattr(schedule, "_memory", lambda: memory_gb * 1024**3)
    assert schedule.lanes(upset_calls=upset_calls) == expected
