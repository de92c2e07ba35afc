"""Beta-binomial shrinkage of adoption rates: behaviour and reference numbers from R."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calmline.analysis.shrinkage import shrink_rates

AGENTS = pd.DataFrame({
    "agent_id": list("abcdefgh"),
    "n_used": [1, 200, 12, 30, 5, 44, 9, 60],
    "n_calls": [1, 230, 40, 50, 20, 80, 30, 100],
})


def test_prior_and_posterior_means_match_r_maximum_likelihood():
    """Beta-binomial MLE computed independently in R 4.2.2 (base R only):

    > x <- c(1, 200, 12, 30, 5, 44, 9, 60); n <- c(1, 230, 40, 50, 20, 80, 30, 100)
    > nll <- function(th) { a <- exp(th[1]); b <- exp(th[2])
    +   -sum(lchoose(n, x) + lbeta(x + a, n - x + b) - lbeta(a, b)) }
    > fit <- optim(c(0, 0), nll, method = "BFGS", control = list(reltol = 1e-14))
    > a <- exp(fit$par[1]); b <- exp(fit$par[2]); options(digits = 10)
    > c(a = a, b = b)
              a           b
    2.895979122 2.610110400
    > (x + a) / (n + a + b)
    [1] 0.5988203988 0.8615317741 0.3273403467 0.5926553177 0.3095723127
    [6] 0.5484519218 0.3350405320 0.5961360089
    """
    out = shrink_rates(AGENTS)
    assert out["prior_a"].iloc[0] == pytest.approx(2.895979122, rel=1e-5)
    assert out["prior_b"].iloc[0] == pytest.approx(2.610110400, rel=1e-5)
    np.testing.assert_allclose(
        out["shrunk_rate"],
        [0.5988203988, 0.8615317741, 0.3273403467, 0.5926553177, 0.3095723127,
         0.5484519218, 0.3350405320, 0.5961360089], atol=1e-5)


def test_posterior_mean_and_interval_for_a_fixed_prior():
    """One agent alone gets the weak prior Beta(1, 1). By hand, 7 used of 10 gives the
    posterior Beta(8, 4), mean (7 + 1) / (10 + 2) = 2/3. R 4.2.2:

    > qbeta(c(0.025, 0.975), 8, 4)
    [1] 0.3902574404 0.8907365562
    """
    out = shrink_rates(pd.DataFrame({"n_used": [7], "n_calls": [10]}))
    row = out.iloc[0]
    assert (row.prior_a, row.prior_b) == (1.0, 1.0)
    assert row.raw_rate == pytest.approx(0.7)
    assert row.shrunk_rate == pytest.approx(2 / 3, rel=1e-12)
    assert row.ci_low == pytest.approx(0.3902574404, rel=1e-9)
    assert row.ci_high == pytest.approx(0.8907365562, rel=1e-9)


def test_one_lucky_call_does_not_top_the_ranking():
    out = shrink_rates(AGENTS).set_index("agent_id")
    assert out.loc["a", "raw_rate"] > out.loc["b", "raw_rate"]
    assert out["shrunk_rate"].idxmax() == "b"
    assert out.loc["a", "shrunk_rate"] < out.loc["b", "shrunk_rate"]
    # and the one-call agent's interval is the widest
    assert (out["ci_high"] - out["ci_low"]).idxmax() == "a"


def test_identical_rates_stay_put():
    df = pd.DataFrame({"n_used": [10, 20, 30, 45], "n_calls": [40, 80, 120, 180]})
    out = shrink_rates(df)
    np.testing.assert_allclose(out["shrunk_rate"], 0.25, rtol=1e-12)
    assert (out["ci_low"] < 0.25).all() and (out["ci_high"] > 0.25).all()


def test_zero_trials_get_the_prior_mean():
    df = pd.concat([AGENTS, pd.DataFrame({"agent_id": ["z"], "n_used": [0], "n_calls": [0]})],
                   ignore_index=True)
    out = shrink_rates(df)
    z = out.iloc[-1]
    assert np.isnan(z.raw_rate)
    assert z.shrunk_rate == pytest.approx(z.prior_a / (z.prior_a + z.prior_b), rel=1e-12)
    # the zero-call agent does not move the prior
    assert z.prior_a == pytest.approx(shrink_rates(AGENTS)["prior_a"].iloc[0], rel=1e-9)


def test_single_agent_and_single_agent_with_no_calls_do_not_crash():
    one = shrink_rates(pd.DataFrame({"n_used": [0], "n_calls": [0]}))
    assert one.iloc[0].shrunk_rate == pytest.approx(0.5)
    assert one.iloc[0].ci_low == pytest.approx(0.025) and one.iloc[0].ci_high == pytest.approx(0.975)
    assert len(shrink_rates(pd.DataFrame({"n_used": [], "n_calls": []}))) == 0


def test_nobody_uses_it():
    out = shrink_rates(pd.DataFrame({"n_used": [0, 0, 0], "n_calls": [40, 80, 3]}))
    assert (out["shrunk_rate"] > 0).all() and (out["shrunk_rate"] < 0.01).all()
    assert (out["ci_low"] >= 0).all() and (out["ci_high"] < 0.05).all()


def test_groups_get_their_own_prior_and_rows_keep_their_order():
    df = pd.concat([AGENTS.assign(practice="apologized"),
                    pd.DataFrame({"agent_id": list("xyz"), "n_used": [1, 5, 9],
                                  "n_calls": [10, 10, 10], "practice": "let_vent"})],
                   ignore_index=True).sample(frac=1, random_state=3)
    out = shrink_rates(df, group_cols=("practice",))
    assert list(out.index) == list(df.index)
    assert list(out.columns) == list(df.columns) + [
        "raw_rate", "shrunk_rate", "ci_low", "ci_high", "prior_a", "prior_b"]
    alone = shrink_rates(AGENTS)
    apologized = out[out["practice"] == "apologized"].set_index("agent_id")
    np.testing.assert_allclose(apologized.loc[list(AGENTS["agent_id"]), "shrunk_rate"],
                               alone["shrunk_rate"], rtol=1e-9)
    assert out[out["practice"] == "let_vent"]["prior_a"].nunique() == 1
    assert out["prior_a"].nunique() == 2


def test_recovers_a_known_prior_from_many_agents():
    rng = np.random.default_rng(20240601)
    n = rng.integers(20, 400, 2000)
    x = rng.binomial(n, rng.beta(3, 5, 2000))
    out = shrink_rates(pd.DataFrame({"n_used": x, "n_calls": n}))
    a, b = out["prior_a"].iloc[0], out["prior_b"].iloc[0]
    assert a / (a + b) == pytest.approx(3 / 8, abs=0.01)
    assert a + b == pytest.approx(8, rel=0.15)


@pytest.mark.parametrize("bad", [
    {"n_used": [5], "n_calls": [4]},
    {"n_used": [-1], "n_calls": [4]},
    {"n_used": [None], "n_calls": [4]},
])
def test_rejects_impossible_counts(bad):
    with pytest.raises(ValueError):
        shrink_rates(pd.DataFrame(bad))
