"""Warning filters on two threads (#12: the fit runs its families on two threads). The fallback
logit refuses a separated model by turning statsmodels' warning into an error inside a filter
block; another thread's block of "ignore" must not switch that off, or the same data would give
a refusal on one run and a fitted model on another."""

from __future__ import annotations

import threading
import warnings

import pytest

from calmline.analysis import warnings_guard


def test_another_threads_ignore_block_waits_until_an_error_block_ends():
    trying, other_inside = threading.Event(), threading.Event()
    order: list[str] = []

    def other():
        trying.set()
        with warnings_guard.filters(("ignore", Warning)):
            order.append("other in")
            other_inside.set()

    thread = threading.Thread(target=other)
    with warnings_guard.filters(("error", UserWarning)):
        thread.start()
        assert trying.wait(5)
        other_inside.wait(0.3)  # time for the other thread to get in, were it let in
        with pytest.raises(UserWarning):
            warnings.warn("separated", UserWarning)
        order.append("error block done")
    thread.join(5)
    assert order == ["error block done", "other in"]


def test_a_thread_may_nest_blocks_and_the_filters_come_back():
    before = list(warnings.filters)
    with warnings_guard.filters(("error", UserWarning)):
        with warnings_guard.filters(("ignore", UserWarning)):
            warnings.warn("ignored", UserWarning)
        with pytest.raises(UserWarning):
            warnings.warn("an error again", UserWarning)
    assert warnings.filters == before

