"""The landmark's sensitivity checks read its calls' rows a block at a time from the design's own
matrix (design.landmark_rows), with no gathered copy of them: the same table, to the last digit,
as on the gathered matrix (subset_matrix); and the within-agent group means of a view whose rows
are not side by side are the product's on a contiguous copy."""

from __future__ import annotations

import numpy as np
import pandas.testing as pdt
import pytest

from calmline.analysis import design as design_module, robustness, within_agent
from calmline.analysis.design import Rows, build, landmark_rows
from calmline.analysis.effects import practice_effects
from tests.analysis.frames import PRACTICES, population


@pytest.mark.parametrize("after", [[], ["took_ownership"]])
def test_landmark_checks_on_rows_of_the_design_equal_the_gathered_ones(monkeypatch, after):
    df = population(6000, seed=71)
    design = build(df, PRACTICES, after_call=after)
    rows = np.random.default_rng(7).random(len(df)) < 0.9
    effects, _, _ = practice_effects(df, PRACTICES, "churned_90d", build(df, PRACTICES, after_call=()),
                                     with_balance=False)
    y, agents = df["churned_90d"].astype(float).to_numpy(), df["agent_id"].to_numpy()
    found = landmark_rows(design, rows)
    assert found is not None and isinstance(found[0], Rows)
    assert found[1] == [*PRACTICES, *design.covariate_names]  # the order the models read
    got = robustness.sensitivity_checks(effects, design, y, agents, PRACTICES, "total", rows=rows)
    monkeypatch.setattr(robustness, "landmark_rows", lambda d, r: None)  # the gathered matrix's way
    want = robustness.sensitivity_checks(effects, design, y, agents, PRACTICES, "total", rows=rows)
    assert got.estimate.notna().all() and got.within_estimate.notna().all() and got.rv.notna().all()
    pdt.assert_frame_equal(got, want, check_exact=True)


def test_a_practice_constant_among_the_rows_is_left_out_and_a_constant_covariate_takes_the_copy():
    df = population(3000, seed=72)
    design = build(df, PRACTICES, after_call=())
    rows = df["thanked"].to_numpy() & (np.arange(len(df)) % 5 > 0)  # thanked on every one of them
    _, names, practice_names, _ = landmark_rows(design, rows)
    assert practice_names == ["apologized", "took_ownership"] and "thanked" not in names
    j = design.covariate_names.index("log_wait_min")
    design.covariates[rows, j] = 1.0  # constant among the rows: subset() drops it, so the copy
    assert landmark_rows(design, rows) is None


def test_group_means_of_a_strided_view_and_of_rows_read_by_blocks(monkeypatch):
    monkeypatch.setattr(within_agent, "BLOCK_ROWS", 1000)  # several blocks
    rng = np.random.default_rng(3)
    M = rng.normal(size=(5500, 12))
    codes = rng.integers(0, 37, len(M))
    view = M[:, 2:]
    want = within_agent._group_means(np.ascontiguousarray(view), codes)
    np.testing.assert_array_equal(within_agent._group_means(view, codes), want)
    idx = np.flatnonzero(rng.random(len(M)) < 0.8)
    cols = [4, 2, 3, *range(5, 12)]
    np.testing.assert_array_equal(within_agent._group_means(Rows(M, idx, cols), codes[idx]),
                                  within_agent._group_means(M[np.ix_(idx, cols)], codes[idx]))
    assert design_module.Rows(M, idx, cols).block(0, 10).flags.c_contiguous
