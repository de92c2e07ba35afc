"""The landmark's sensitivity checks on one gathered matrix of its calls (design.subset_matrix)
give the table of the design's subset, to the last digit."""

from __future__ import annotations

import numpy as np
import pandas.testing as pdt

from calmline.analysis import effects as effects_module, robustness
from calmline.analysis.design import build, subset_matrix
from calmline.analysis.effects import practice_effects
from tests.analysis.frames import PRACTICES, population


def test_subset_matrix_gives_the_subset_values_and_table(monkeypatch):
    df = population(6000, seed=51)
    design = build(df, PRACTICES)
    rows = np.random.default_rng(5).random(len(df)) < 0.7
    gathered, subset = subset_matrix(design, rows), design.subset(rows)
    np.testing.assert_array_equal(gathered.matrix()[0], subset.matrix()[0])
    assert gathered.matrix()[0] is gathered.combined  # handed out, not copied
    assert gathered.covariate_names == subset.covariate_names
    effects, _, _ = practice_effects(df, PRACTICES, "churned_90d", design, with_balance=False)
    y, agents = df["churned_90d"].astype(float).to_numpy(), df["agent_id"].to_numpy()
    got = robustness.sensitivity_checks(effects, design, y, agents, PRACTICES, "total", rows=rows)
    monkeypatch.setattr(robustness, "subset_matrix", lambda d, r: d.subset(r))
    want = robustness.sensitivity_checks(effects, design, y, agents, PRACTICES, "total", rows=rows)
    assert got.estimate.notna().all()
    pdt.assert_frame_equal(got, want, check_exact=True)


def test_a_covariate_constant_among_the_rows_is_dropped_as_subset_drops_it():
    df = population(3000, seed=52)
    design = build(df, PRACTICES)
    j = design.covariate_names.index("log_wait_min")
    rows = design.covariates[:, j] > np.median(design.covariates[:, j])
    design.covariates[rows, j] = 1.0  # constant among the rows
    gathered = subset_matrix(design, rows)
    assert "log_wait_min" not in gathered.covariate_names
    np.testing.assert_array_equal(gathered.matrix()[0], design.subset(rows).matrix()[0])


def test_landmark_effects_on_the_gathered_matrix_are_the_subset_path_s(monkeypatch):
    """practice_effects' landmark models read the gathered matrix: the same rows, exactly."""
    df = population(6000, seed=53)
    df["followed_up"] = np.random.default_rng(53).random(len(df)) < 0.4
    landmark = np.random.default_rng(54).random(len(df)) < 0.8
    practices = PRACTICES + ["followed_up"]
    kw = dict(after_call=["followed_up"], landmark=landmark, landmark_days=30)
    got = practice_effects(df, practices, "churned_90d", build(df, practices), **kw)
    monkeypatch.setattr(effects_module, "subset_matrix", lambda d, r: d.subset(r))
    want = practice_effects(df, practices, "churned_90d", build(df, practices), **kw)
    landmark_rows = got[0][got[0].effect == "landmark"]
    assert len(landmark_rows) and landmark_rows.estimate.notna().all()
    for a, b in zip(got[:2], want[:2]):
        pdt.assert_frame_equal(a, b, check_exact=True)
    assert got[2] == want[2]
