"""The within-agent estimate by blocks and normal equations equals statsmodels' OLS on the demeaned
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
