"""The notebook API (calmline.analysis.estimate) on DataFrames of any shape."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from calmline.analysis import estimate
from calmline.analysis.estimate import DataError


def confounded(n: int = 3000, *, seed: int = 0, effect: float = 2.0, clusters: int | None = None
               ) -> pd.DataFrame:
    """x (continuous) and region (three levels) raise both the treatment and the outcome.

    y = 1 + effect * a + 1.5 x + (0, 2, -1)[region] + noise; a ~ Bernoulli(logistic(0.8 x +
    (0, 1, -0.5)[region])). ``clusters``: a shared shift of outcome and treatment per cluster.
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, n)
    region = rng.choice(["north", "south", "west"], n)
    r_out = pd.Series(region).map({"north": 0.0, "south": 2.0, "west": -1.0}).to_numpy()
    r_trt = pd.Series(region).map({"north": 0.0, "south": 1.0, "west": -0.5}).to_numpy()
    shift = np.zeros(n)
    group = np.zeros(n, int)
    if clusters:
        group = rng.integers(0, clusters, n)
        shift = rng.normal(0, 1.5, clusters)[group]
    a = (rng.random(n) < 1 / (1 + np.exp(-(0.8 * x + r_trt + 0.5 * shift)))).astype(int)
    y = 1 + effect * a + 1.5 * x + r_out + shift + rng.normal(0, 2, n)
    return pd.DataFrame({"a": a, "y": y, "x": x, "region": region, "agent": [f"g{g}" for g in group]})


def test_a_missing_column_error_names_every_missing_column_at_once():
    df = confounded(200)
    with pytest.raises(DataError) as info:
        estimate.aipw(df, "treated", "y", ["x", "age", "region", "plan"], cluster="team")
    message = str(info.value)
    for name in ("treated", "age", "plan", "team"):
        assert repr(name) in message
    assert info.value.missing == ["treated", "age", "plan", "team"]
    assert "4 columns not in the data" in message
    assert "'x'" not in message.split("it has")[0]  # present columns are not called missing


def test_every_problem_with_the_columns_is_reported_in_one_error():
    df = confounded(200).assign(dose=lambda d: d.a * 2, answer=lambda d: np.where(d.a, "yes", "no"))
    with pytest.raises(DataError) as info:
        estimate.standardise(df, "dose", "answer", ["x", "answer", "ghost"], interactions=["region"])
    problems = info.value.problems
    text = "\n".join(problems)
    assert "'ghost'" in text
    assert "the treatment 'dose' must be 0/1 or True/False; it has 0, 2" in text
    assert "the outcome 'answer' must be numeric" in text and "'yes'" in text
    assert "the outcome 'answer' cannot also be a covariate" in text
    assert "interactions must name covariates; not among them: 'region'" in text
    assert len(problems) == 5


def test_a_treatment_used_on_every_row_is_refused():
    df = confounded(200).assign(a=1)
    with pytest.raises(DataError, match="one value only"):
        estimate.ip_weighting(df, "a", "y", ["x"])
    df = confounded(200)
    df.loc[df.a == 0, "x"] = np.nan
    with pytest.raises(DataError, match="the treatment 'a' is 1 on every row"):
        estimate.aipw(df, "a", "y", ["x"])


def test_an_outcome_without_variation_is_refused():
    with pytest.raises(DataError, match="the outcome 'y' is 0 on every row"):
        estimate.standardise(confounded(200).assign(y=0), "a", "y", ["x"])


def test_continuous_outcome_standardisation_is_the_least_squares_coefficient():
    """Reference: statsmodels OLS of y on a, x and region dummies with HC1 errors. Without
    interactions the standardised mean difference is the treatment's coefficient; its
    influence-function standard error is the coefficient's robust one (to 1%)."""
    df = confounded()
    X = sm.add_constant(pd.get_dummies(df[["a", "x", "region"]], drop_first=True, dtype=float))
    ols = sm.OLS(df["y"], X).fit(cov_type="HC1")

    row = estimate.standardise(df, "a", "y", ["x", "region"]).iloc[0]

    assert row.estimand == "mean_difference" and row.outcome_model == "linear"
    assert row.estimate == pytest.approx(ols.params["a"], rel=1e-9)
    assert row.std_error == pytest.approx(ols.bse["a"], rel=0.01)
    assert row.ci_low == pytest.approx(row.estimate - 1.959964 * row.std_error)


def test_binary_outcome_standardisation_is_statsmodels_average_marginal_effect():
    """Reference: statsmodels ``Logit(...).get_margeff(at="overall", dummy=True)``, the mean
    over rows of the discrete change in probability when the 0/1 treatment goes 0 -> 1."""
    df = confounded(seed=3)
    df["churned"] = (df["y"] > 3).astype(int)
    X = sm.add_constant(pd.get_dummies(df[["a", "x", "region"]], drop_first=True, dtype=float))
    margeff = sm.Logit(df["churned"], X).fit(disp=0).get_margeff(at="overall", dummy=True)
    reference = float(margeff.margeff[list(X.columns[1:]).index("a")])

    row = estimate.standardise(df, "a", "churned", ["x", "region"]).iloc[0]

    assert row.estimand == "risk_difference" and row.outcome_model == "logit"
    assert row.estimate == pytest.approx(reference, abs=1e-6)


def test_standardisation_and_aipw_standard_errors_match_a_bootstrap():
    """A binary outcome, a categorical covariate and a treatment interaction: the influence
    standard errors are within 15% of the spread of 300 seeded bootstrap estimates."""
    df = confounded(1500, seed=5)
    df["churned"] = (df["y"] > 3).astype(int)
    args = dict(covariates=["x", "region"], interactions=["x", "region"])
    rows = {m: f(df, "a", "churned", **args).iloc[0]
            for m, f in (("standardisation", estimate.standardise), ("aipw", estimate.aipw))}
    rng = np.random.default_rng(11)
    boot = {m: [] for m in rows}
    for _ in range(300):
        sample = df.iloc[rng.integers(0, len(df), len(df))].reset_index(drop=True)
        boot["standardisation"].append(estimate.standardise(sample, "a", "churned", **args).estimate[0])
        boot["aipw"].append(estimate.aipw(sample, "a", "churned", **args).estimate[0])
    for method, row in rows.items():
        assert row.std_error == pytest.approx(np.std(boot[method], ddof=1), rel=0.15), method


def test_a_cluster_column_gives_cluster_robust_errors():
    """Reference: statsmodels OLS with ``cov_type="cluster"`` (CR1). Rows share a shift within
    their cluster, so ignoring the clusters understates the error."""
    df = confounded(3000, seed=7, clusters=60)
    X = sm.add_constant(pd.get_dummies(df[["a", "x", "region"]], drop_first=True, dtype=float))
    ols = sm.OLS(df["y"], X).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(df["agent"])[0]})

    clustered = estimate.standardise(df, "a", "y", ["x", "region"], cluster="agent").iloc[0]
    plain = estimate.standardise(df, "a", "y", ["x", "region"]).iloc[0]

    assert clustered.n_clusters == 60 and plain.n_clusters == 3000
    assert clustered.std_error == pytest.approx(ols.bse["a"], rel=0.02)
    assert clustered.std_error > 1.3 * plain.std_error
    assert clustered.ci_high - clustered.estimate == pytest.approx(1.959964 * clustered.std_error)
    for f in (estimate.aipw, estimate.ip_weighting):
        assert f(df, "a", "y", ["x", "region"], cluster="agent").std_error[0] > \
            1.3 * f(df, "a", "y", ["x", "region"]).std_error[0]


def test_few_clusters_get_a_t_reference_and_say_so():
    """Below 40 clusters, as in the product's fit: CR2 errors, a t(G - 1) interval, a note."""
    df = confounded(3000, seed=7, clusters=30)
    rows = estimate.estimate_all(df, "a", "y", ["x", "region"], cluster="agent")
    t29 = 2.045230  # scipy.stats.t.ppf(0.975, 29)
    for _, row in rows.iterrows():
        assert row.n_clusters == 30
        assert "only 30 clusters" in row.warning and "29 degrees of freedom" in row.warning
        assert row.ci_high - row.estimate == pytest.approx(t29 * row.std_error, rel=1e-5), row.method


def test_the_adjusted_estimates_recover_a_planted_effect_the_unadjusted_one_misses():
    df = confounded(4000, seed=2, effect=2.0)
    rows = estimate.estimate_all(df, "a", "y", ["x", "region"]).set_index("method")
    assert list(rows.index) == ["unadjusted", "standardisation", "ip_weighting", "aipw"]
    for method in ("standardisation", "ip_weighting", "aipw"):
        assert rows.loc[method, "ci_low"] < 2.0 < rows.loc[method, "ci_high"], method
    assert rows.loc["unadjusted", "ci_low"] > 2.5
    assert rows["n"].eq(4000).all() and rows["n_treated"].add(rows["n_untreated"]).eq(4000).all()


def test_a_planted_risk_difference_is_recovered_for_a_binary_outcome():
    """The true risk difference is the mean over rows of P(y=1 | a=1, x) - P(y=1 | a=0, x)
    under the generating logit, computed from the planted coefficients."""
    rng = np.random.default_rng(4)
    n = 6000
    x = rng.normal(0, 1, n)
    a = (rng.random(n) < 1 / (1 + np.exp(-x))).astype(int)
    lin = -0.5 - 0.7 * a + 1.0 * x
    y = (rng.random(n) < 1 / (1 + np.exp(-lin))).astype(bool)
    truth = np.mean(1 / (1 + np.exp(0.5 + 0.7 - x)) - 1 / (1 + np.exp(0.5 - x)))
    df = pd.DataFrame({"used": a.astype(bool), "churned": y, "x": x})
    rows = estimate.estimate_all(df, "used", "churned", ["x"]).set_index("method")
    assert (rows["estimand"] == "risk_difference").all()
    for method in ("standardisation", "ip_weighting", "aipw"):
        assert rows.loc[method, "ci_low"] < truth < rows.loc[method, "ci_high"], method
    assert not rows.loc["unadjusted", "ci_low"] < truth < rows.loc["unadjusted", "ci_high"]


def test_aipw_is_right_when_only_the_propensity_model_is_right():
    """The effect grows with x (1 + 2x, x uniform on 0-2: the average effect is the mean of
    1 + 2x, about 3). An outcome model without the treatment x covariate interaction is
    wrong and standardisation with it is biased (least squares weights the effect towards
    x = 0.5, where treatment is a coin toss); AIPW, whose propensity model is right, is not,
    nor is standardisation once the interaction is in."""
    rng = np.random.default_rng(8)
    n = 8000
    x = rng.uniform(0, 2, n)
    a = (rng.random(n) < 1 / (1 + np.exp(-3 * (x - 0.5)))).astype(int)
    y = a * (1 + 2 * x) + x + rng.normal(0, 1, n)
    truth = float(np.mean(1 + 2 * x))
    df = pd.DataFrame({"a": a, "y": y, "x": x})
    wrong = estimate.standardise(df, "a", "y", ["x"]).iloc[0]
    doubly_robust = estimate.aipw(df, "a", "y", ["x"]).iloc[0]
    right = estimate.standardise(df, "a", "y", ["x"], interactions=["x"]).iloc[0]
    assert wrong.ci_high < truth - 0.5
    assert doubly_robust.ci_low < truth < doubly_robust.ci_high
    assert right.ci_low < truth < right.ci_high


def test_numeric_codes_listed_as_categorical_get_a_level_each():
    """Education coded 1, 2, 3 with a non-linear effect (0, +4, 0) on the outcome: entered as
    a number it cannot adjust, as categories it does."""
    rng = np.random.default_rng(9)
    n = 5000
    code = rng.integers(1, 4, n)
    bump = np.where(code == 2, 4.0, 0.0)
    a = (rng.random(n) < np.where(code == 2, 0.7, 0.3)).astype(int)
    y = 1.0 * a + bump + rng.normal(0, 1, n)
    df = pd.DataFrame({"a": a, "y": y, "education": code})
    as_number = estimate.standardise(df, "a", "y", ["education"]).iloc[0]
    as_levels = estimate.standardise(df, "a", "y", ["education"], categorical=["education"]).iloc[0]
    assert as_number.estimate > 2.0
    assert as_levels.ci_low < 1.0 < as_levels.ci_high


def test_rows_with_a_missing_value_are_left_out_and_counted():
    df = confounded(1000, seed=1)
    df.loc[:9, "x"] = np.nan
    df.loc[5:14, "y"] = np.nan
    df.loc[20:21, "region"] = None
    rows = estimate.estimate_all(df, "a", "y", ["x", "region"])
    assert rows["n_dropped"].eq(17).all() and rows["n"].eq(983).all()


def test_rows_outside_the_overlap_are_trimmed_and_counted():
    rng = np.random.default_rng(6)
    n = 3000
    x = rng.normal(0, 1, n)
    a = (rng.random(n) < 1 / (1 + np.exp(-3 * x))).astype(int)
    df = pd.DataFrame({"a": a, "y": a + x + rng.normal(0, 1, n), "x": x})
    for f in (estimate.ip_weighting, estimate.aipw):
        row = f(df, "a", "y", ["x"]).iloc[0]
        assert row.n == n and row.n_trimmed > 50
        assert row.n_analysed == n - row.n_trimmed == row.n_treated + row.n_untreated
        assert f"{row.n_trimmed:,} rows" in row.warning
        assert f(df, "a", "y", ["x"], trim=0).n_trimmed[0] == 0


def test_a_model_that_cannot_be_fitted_gives_a_row_without_numbers_and_a_warning():
    """Every treated row survives: the logit outcome model separates perfectly."""
    df = confounded(400, seed=1)
    df["survived"] = np.where(df["a"] == 1, 1, (df["x"] > 0).astype(int))
    with pytest.warns(UserWarning, match="outcome model"):
        row = estimate.standardise(df, "a", "survived", ["x"]).iloc[0]
    assert row.estimate is None and row.ci_low is None and "separat" in row.warning
    assert list(row.index) == estimate.COLUMNS


def test_the_readme_notebook_example_runs_and_prints_what_the_readme_shows(capsys):
    """The README's "Use the estimators from a notebook" section: its Python block, run as it
    stands, prints exactly the table shown under it, in at most ten lines of code."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use the estimators from a notebook", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    shown = section.split("```python\n", 1)[1].split("```", 1)[1].split("```\n", 1)[1].split("```", 1)[0]
    assert len([line for line in code.splitlines() if line.strip()]) <= 10
    exec(compile(code, "README.md", "exec"), {})
    assert capsys.readouterr().out == shown
