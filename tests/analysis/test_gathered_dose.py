"""Dose factors' and heterogeneity cells' models read from the design's rows a block at a time
(gathered.Gathered, above gathered.COPY_LIMIT_BYTES and dose.CELL_COPY_LIMIT_BYTES) instead of written into
matrices of their own: the same tables as with the copies, to 1e-10 relative (the fits' chord steps
and CR1 sums are the same blocks; the levels' gradients and exact Newton steps sum over the rows a
block at a time)."""

from __future__ import annotations

import numpy as np
import pandas.testing as pdt
import pytest

from calmline.analysis import dose, gathered, logit
from tests.analysis import frames

PRACTICES = frames.PRACTICES + ["offered_options", "followed_up", "compensated"]


def _population():
    df = frames.population(n=8000, agents=40, seed=12)
    rng = np.random.default_rng(3)
    df["offered_options"] = df["options_offered"] > 0
    df["followed_up"] = df["days_to_followup"].notna()
    df["compensated"] = rng.random(len(df)) < 0.3
    df["compensation_value"] = np.where(df["compensated"], rng.uniform(1, 60, len(df)), 0.0)
    df.loc[(df["anger_level"] == 5).to_numpy(), "thanked"] = True  # a practice constant in one cell
    return df, rng.random(len(df)) < 0.8


def _tables(df, landmark):
    kwargs = dict(after_call=["followed_up"], landmark=landmark)
    return (dose.dose_response(df, PRACTICES, "churned_90d", **kwargs),
            dose.heterogeneity(df, PRACTICES, "churned_90d", **kwargs))


@pytest.mark.parametrize("warm", [None, 1000])
def test_factors_and_cells_read_from_the_design_give_the_copies_tables(monkeypatch, warm):
    df, landmark = _population()
    with logit.warm_start_rows(warm or logit.WARM_START_ROWS):
        want = _tables(df, landmark)
        read = []

        def spy(original):
            def wrapped(*args):
                X, names = original(*args)
                read.append(X)
                return X, names
            return wrapped

        monkeypatch.setattr(gathered, "COPY_LIMIT_BYTES", 0)  # every model read from the design's rows
        monkeypatch.setattr(dose, "CELL_COPY_LIMIT_BYTES", 0)
        monkeypatch.setattr(dose, "_factor_rows", spy(dose._factor_rows))
        monkeypatch.setattr(dose, "_cell_rows", spy(dose._cell_rows))
        got = _tables(df, landmark)
    assert len(read) >= 4 + 2 * 4 and all(isinstance(X, gathered.Gathered) for X in read)
    assert got[0]["estimate"].notna().sum() >= 10 and got[1]["estimate"].notna().sum() >= 20
    for a, b in zip(got, want):
        pdt.assert_frame_equal(a, b, check_exact=False, rtol=1e-10, atol=0)


def test_small_models_are_still_copied_to_the_last_digit(monkeypatch):
    df, landmark = _population()
    want = _tables(df, landmark)
    monkeypatch.setattr(dose, "_cell_rows", lambda *a: pytest.fail("a small cell was not copied"))
    got = _tables(df, landmark)
    for a, b in zip(got, want):
        pdt.assert_frame_equal(a, b, check_exact=True)


class _Fit:
    def __init__(self, params):
        self.params, self.cov = params, np.eye(len(params)) * 1e-4


def test_every_levels_gradient_from_one_pass_is_each_levels_own():
    """On a Gathered factor matrix every level's gradient comes from one pass over its blocks
    (dose._level_grads): the same numbers, bit for bit, as a pass per level (dose._at_level)."""
    rng = np.random.default_rng(4)
    n = 30_000  # several blocks, the last one short
    source = np.column_stack([np.ones(n), rng.random((n, 5)) < 0.4, rng.normal(size=(n, 2))])
    level = rng.integers(0, 4, n)
    dummies = np.column_stack([level == k for k in (1, 2, 3)])
    X = gathered.Gathered(source, None, [0, 1, 2, 4, 5, 6, 7], dummies)
    fit, others = _Fit(rng.normal(size=10) * 0.3), ["a", "b", "c"]
    levels = dose._Levels(fit, X, 7, others)
    for lvl in others + ["__reference__"]:
        p, grad = levels.at(lvl)
        want_p, want_grad = dose._at_level(fit, X, 7, others, lvl, levels.base)
        np.testing.assert_array_equal(p, want_p)
        np.testing.assert_array_equal(grad, want_grad)
