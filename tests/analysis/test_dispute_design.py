"""A disputed point's design is taken from one design of every linked call: the same estimates as
the practices' own estimator run on the compared calls alone, also when those calls lack the
shared design's reference level, have a covariate constant among them, or miss numeric values."""

from __future__ import annotations

import numpy as np
import pytest

from calmline.analysis import disputes
from calmline.analysis.effects import practice_effects
from tests.analysis.frames import PRACTICES
from tests.analysis.test_disputes import EARLY, disputed, row


def test_compared_calls_without_the_shared_reference_level_get_the_estimates_of_their_own_design():
    df, calls, _ = disputed(n=4000, seed=21)
    apologised = df["apologized"].to_numpy(dtype=bool)
    rng = np.random.default_rng(5)
    # billing: the most common issue of all linked calls (the shared reference), never among the
    # compared (apologised) calls; chat: constant among them; some waits missing on either side
    df["issue_type"] = np.where(apologised, rng.choice(["outage", "other"], len(df)), "billing")
    assert (df["issue_type"] == "billing").sum() > (df["issue_type"] == "outage").sum()
    df["channel"] = np.where(apologised, "chat", rng.choice(["phone", "chat"], len(df)))
    df.loc[rng.random(len(df)) < 0.05, "wait_s"] = np.nan
    rows, _ = disputes.dispute_effects(df, calls, PRACTICES, "churned_90d", disputes=[EARLY])
    sub = df[apologised].reset_index(drop=True)
    sub[EARLY.name] = calls.loc[apologised, disputes.treated_column(EARLY.name)].astype(bool).to_numpy()
    own, _, _ = practice_effects(sub, PRACTICES + [EARLY.name], "churned_90d")
    for method in ("aipw", "logit", "naive"):
        ref = own[(own.practice == EARLY.name) & (own.method == method)
                  & (own.scale == "risk_difference")].iloc[0]
        got = row(rows, method)
        assert got.estimate_pp == pytest.approx(ref.estimate * 100, rel=1e-8)
        assert (got.ci_low_pp, got.ci_high_pp) == pytest.approx((ref.ci_low * 100, ref.ci_high * 100), rel=1e-8)
        assert got.n_analysed == ref.n_analysed


def test_the_shared_design_leaves_out_what_the_compared_calls_cannot_vary():
    df, calls, _ = disputed(n=2000, seed=22)
    apologised = df["apologized"].to_numpy(dtype=bool)
    df["issue_type"] = np.where(apologised, "outage", np.where(np.arange(len(df)) % 3, "billing", "other"))
    linked = disputes._linked(df, calls)
    shared = disputes.build(linked, PRACTICES)
    rows = np.flatnonzero(apologised)
    design = disputes._rows_design(shared, rows, ["thanked"], np.ones(len(rows)), "early")
    assert not any(name.startswith("issue_type[") for name in design.covariate_names)
    assert design.practice_names == ["thanked", "early"]
    X, _ = design.matrix()
    without = np.delete(X, 1, axis=1)  # 'early', constant here, is the intercept's twin
    assert np.linalg.matrix_rank(without) == without.shape[1]  # no level column left over
