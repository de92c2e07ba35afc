"""Sensitivity checks by row blocks. The within-agent estimate by blocks and normal equations equals statsmodels' OLS on the demeaned
columns (the previous implementation) to 1e-8: coefficients, cluster-robust standard errors,
intervals and p-values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from calmline.analysis import within_agent
from calmline.analysis.design import build
from tests.analysis import frames


def _statsmodels(X, y, agents):
    """The implementation before #12 (session 8): demean, then statsmodels' clustered OLS."""
    codes = pd.factorize(pd.Series(agents), use_na_sentinel=False)[0]
    Xw, yw = within_agent.demean(X, codes), within_agent.demean(y[:, None], codes)[:, 0]
    keep = np.flatnonzero(np.abs(Xw).max(axis=0) > 1e-9)
    res = sm.OLS(yw, Xw[:, keep], hasconst=False).fit(cov_type="cluster", cov_kwds={"groups": codes},
                                                      use_t=True)
    return keep, res


@pytest.mark.parametrize("agents", [7, 40])
def test_within_agent_equals_statsmodels_clustered_ols_on_demeaned_columns(agents, monkeypatch):
    df = frames.population(n=3000, agents=agents, seed=21)
    design = build(df, frames.PRACTICES).varying()
    X, names = design.matrix()
    y = df["churned_90d"].astype(float).to_numpy()
    monkeypatch.setattr(within_agent, "BLOCK_ROWS", 700)  # several blocks, one partial
    out = within_agent.within_agent(X, names, y, df["agent_id"], frames.PRACTICES).set_index("practice")
    keep, ref = _statsmodels(X, y, df["agent_id"])
    ci = np.asarray(ref.conf_int(0.05))
    for p in frames.PRACTICES:
        i = list(keep).index(names.index(p))
        assert out.loc[p, "estimate"] == pytest.approx(ref.params[i], rel=1e-8, abs=1e-12)
        assert out.loc[p, "se"] == pytest.approx(ref.bse[i], rel=1e-8)
        assert out.loc[p, "ci_low"] == pytest.approx(ci[i, 0], rel=1e-8, abs=1e-12)
        assert out.loc[p, "ci_high"] == pytest.approx(ci[i, 1], rel=1e-8, abs=1e-12)
        assert out.loc[p, "p_value"] == pytest.approx(ref.pvalues[i], rel=1e-7, abs=1e-12)


def test_columns_collinear_within_agents_fall_back_to_statsmodels():
    """Two practices equal on every call: the normal equations are singular, statsmodels' pseudo-
    inverse gives the answer it always gave (the same numbers as before)."""
    df = frames.population(n=1200, agents=30, seed=4)
    df["took_ownership"] = df["apologized"]
    design = build(df, frames.PRACTICES).varying()
    X, names = design.matrix()
    y = df["churned_90d"].astype(float).to_numpy()
    out = within_agent.within_agent(X, names, y, df["agent_id"], frames.PRACTICES).set_index("practice")
    keep, ref = _statsmodels(X, y, df["agent_id"])
    i = list(keep).index(names.index("thanked"))
    assert out.loc["thanked", "estimate"] == pytest.approx(ref.params[i], rel=1e-8)
    assert out.loc["thanked", "se"] == pytest.approx(ref.bse[i], rel=1e-8)


def test_linear_sensitivity_by_row_blocks_equals_the_whole_matrix(monkeypatch):
    """The centred cross products made a block of rows at a time equal those of the whole stacked
    matrix (the implementation before), so every robustness value and benchmark is unchanged."""
    from calmline.analysis import sensitivity
    from calmline.analysis.design import covariate_groups

    df = frames.population(n=2500, agents=30, seed=8)
    design = build(df, frames.PRACTICES).varying()
    X, names = design.matrix()
    y = df["churned_90d"].astype(float).to_numpy()
    keep = [j for j in range(X.shape[1]) if np.ptp(X[:, j]) > 0]
    whole = sensitivity._Gram(np.column_stack([X[:, keep], y])).G
    monkeypatch.setattr(sensitivity._Gram, "BLOCK_ROWS", 600)
    assert np.allclose(sensitivity._Gram.of_columns(X, keep, y).G, whole, rtol=1e-12, atol=1e-9)
    offset = len(design.practice_names)
    groups = {c: [offset + j for j in cols] for c, cols in covariate_groups(design.covariate_names).items()}
    blocked = sensitivity.linear_sensitivity(X, names, y, frames.PRACTICES, groups)
    monkeypatch.setattr(sensitivity._Gram, "of_columns",
                        classmethod(lambda cls, X, keep, y: cls(np.column_stack([X[:, keep], y]))))
    before = sensitivity.linear_sensitivity(X, names, y, frames.PRACTICES, groups)
    numbers = [c for c in before.columns if c not in ("practice", "benchmark", "benchmark_explains_away")]
    assert np.allclose(blocked[numbers].to_numpy(float), before[numbers].to_numpy(float), rtol=1e-8, atol=1e-12)
    assert blocked["benchmark"].tolist() == before["benchmark"].tolist()
