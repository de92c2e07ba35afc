"""Balance's four weight columns written into one array for every practice (``aipw.balance(into=)``,
which ``effects._estimate`` hands each practice) instead of a new array each: the same rows to the
last digit, whatever the previous practice left in the array, and the stored practice_balance and
effects the same as with a new array per practice."""

from __future__ import annotations

import numpy as np
import pandas.testing as pdt

from calmline.analysis import aipw
from calmline.analysis.design import build
from calmline.analysis.effects import practice_effects
from tests.analysis.balance_cases import balance_cases, balance_rows
from tests.analysis.frames import PRACTICES, population


def test_one_weights_array_gives_the_same_rows():
    design, X, cases = balance_cases(5000, seed=83, draws=9)
    into = np.full((X.shape[0], 4), np.nan)
    for args, kw in cases:
        kw = dict(kw, together=X)
        want = aipw.balance(*args, **kw)
        got = aipw.balance(*args, **kw, into=into)
        assert got == want and len(got) == balance_rows(design)


def test_practice_balance_and_effects_are_the_same_with_a_new_array_each(monkeypatch):
    df = population(6000, seed=84)
    design = build(df, PRACTICES)
    effects, got, _ = practice_effects(df, PRACTICES, "churned_90d", design)
    arrays = []
    shared = aipw.balance

    def fresh(*args, into=None, **kwargs):
        arrays.append(into is not None)
        return shared(*args, **kwargs)  # a new array, as before
    monkeypatch.setattr(aipw, "balance", fresh)
    effects_before, want, _ = practice_effects(df, PRACTICES, "churned_90d", design)
    assert all(arrays) and len(arrays) == len(PRACTICES) and len(got) > 20
    pdt.assert_frame_equal(got, want, check_exact=True)
    pdt.assert_frame_equal(effects, effects_before, check_exact=True)
