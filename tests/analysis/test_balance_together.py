"""Balance read from the model's matrix in one product (aipw.balance(together=X), practices and
covariates side by side) gives the rows of the two products over each part, to the last digit;
and the stored practice_balance is the same either way."""

from __future__ import annotations

import pandas.testing as pdt

from calmline.analysis import aipw, effects as effects_module
from calmline.analysis.design import build
from calmline.analysis.effects import practice_effects
from tests.analysis.balance_cases import balance_cases, balance_rows
from tests.analysis.frames import PRACTICES, population


def test_one_product_over_the_model_matrix_gives_the_same_rows():
    design, X, cases = balance_cases(5000, seed=81, draws=8)
    for args, kw in cases:
        want = aipw.balance(*args, **kw)
        got = aipw.balance(*args, **kw, together=X)
        assert got == want and len(got) == balance_rows(design)


def test_practice_balance_is_the_same_with_and_without_the_one_product(monkeypatch):
    df = population(6000, seed=82)
    design = build(df, PRACTICES)
    _, got, _ = practice_effects(df, PRACTICES, "churned_90d", design)
    separate = aipw.balance

    def apart(*args, together=None, **kwargs):
        return separate(*args, **kwargs)

    monkeypatch.setattr(effects_module.aipw, "balance", apart)
    _, want, _ = practice_effects(df, PRACTICES, "churned_90d", design)
    assert len(got) > 30
    pdt.assert_frame_equal(got, want, check_exact=True)
