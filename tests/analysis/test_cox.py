"""fit_cox against published and R reference numbers, lifelines, and degenerate data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from lifelines.datasets import load_rossi
from statsmodels.duration.hazard_regression import PHReg

from calmline.analysis.cox import COLUMNS, NUMBERS, fit_cox

ROSSI_TERMS = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]

# R 4.2.2, survival 3.5-3, on lifelines' copy of Rossi (written out with to_csv):
#   R$id <- seq_len(nrow(R)); R$grp <- (R$id - 1) %/% 8
#   f <- coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio,
#              data = R, ties = "efron", cluster = id)
#   sqrt(diag(f$naive.var)); sqrt(diag(f$var))        # and again with cluster = grp
ROSSI_R_NAIVE_SE = [0.19137948071, 0.02199947060, 0.30799277656, 0.21222429625,
                    0.38186805767, 0.19575667191, 0.02864854996]
ROSSI_R_ROBUST_SE = [0.19554177898, 0.02533614626, 0.29232855535, 0.21806031528,
                     0.38024446575, 0.19920082960, 0.02897459463]
ROSSI_R_GROUP8_SE = [0.22074803412, 0.02920094035, 0.28413704024, 0.21756202178,
                     0.35560421190, 0.21783872157, 0.02276749234]


@pytest.fixture
def rossi() -> pd.DataFrame:
    df = load_rossi()
    df["id"] = np.arange(len(df))
    return df


def tied_calls(seed: int = 7, n: int = 40) -> pd.DataFrame:
    """A few dozen calls churning on five distinct days: heavy ties."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "time_days": rng.integers(1, 6, n).astype(float),
        "event": (rng.random(n) < 0.7).astype(int),
        "practice": rng.integers(0, 2, n).astype(float),
        "wait": rng.normal(size=n).round(1),
    })


def calls(n: int = 600, n_agents: int = 40, seed: int = 1) -> pd.DataFrame:
    """Synthetic upset calls: two practices, a covariate, agents, continuous times.

    40 agents by default: with fewer every row carries the few-agents note (t reference)."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "apologized": rng.integers(0, 2, n), "empathized": rng.integers(0, 2, n),
        "wait": rng.normal(size=n), "agent_id": rng.integers(0, n_agents, n).astype(str),
    })
    rate = np.exp(-0.4 * df.apologized + 0.2 * df.wait) / 100
    churn, follow = rng.exponential(1 / rate), rng.uniform(30, 200, n)
    df["time_days"] = np.minimum(churn, follow)
    df["event"] = (churn <= follow).astype(int)
    return df


def many_terms(n: int = 20_000, p: int = 30, seed: int = 11) -> pd.DataFrame:
    """Calls with p terms (alternately 0/1 practices and normal covariates), churn on
    whole days 0..365 (heavily tied), about 45% churned."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.random(n) < rng.uniform(0.1, 0.6) if j % 2 == 0 else rng.normal(size=n)
                         for j in range(p)]).astype(float)
    churn = np.floor(rng.exponential(220 * np.exp(-X @ rng.normal(scale=0.15, size=p))))
    follow = rng.integers(0, 366, n)
    df = pd.DataFrame(X, columns=[f"x{j}" for j in range(p)])
    return df.assign(time_days=np.minimum(churn, follow), event=(churn <= follow).astype(int))


def assert_no_nan(out: pd.DataFrame) -> None:
    """Every number is either <NA> or finite: nothing a dashboard would show as NaN."""
    assert list(out.columns) == COLUMNS
    for col in NUMBERS:
        assert out[col].dtype == "Float64"
        values = out[col].to_numpy(dtype=object, na_value=None)
        assert all(v is None or np.isfinite(v) for v in values), col


def test_rossi_coefficients_match_fox_and_weisberg(rossi):
    """Fox & Weisberg, "Cox Proportional-Hazards Regression for Survival Data in R",
    appendix to An R Companion to Applied Regression:
    ``coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, data = Rossi)``
    (Efron ties) gives fin -0.37942, age -0.05744, race 0.31390, wexp -0.14980,
    mar -0.43370, paro -0.08487, prio 0.09150. Each row its own cluster, the robust
    SEs are R's ``cluster = id`` ones (header of this file)."""
    out = fit_cox(rossi, ROSSI_TERMS, time="week", event="arrest", cluster="id")
    published = [-0.37942, -0.05744, 0.31390, -0.14980, -0.43370, -0.08487, 0.09150]
    assert out["term"].tolist() == ROSSI_TERMS
    np.testing.assert_allclose(out["log_hr"].astype(float), published, atol=1e-4)
    np.testing.assert_allclose(out["se"].astype(float), ROSSI_R_ROBUST_SE, rtol=1e-6)
    assert (out["n"] == 432).all() and (out["n_events"] == 114).all()
    assert out["warning"].isna().all()
    assert_no_nan(out)


def test_rossi_model_based_and_grouped_errors_match_r(rossi):
    """R's naive variance (no cluster), and clusters of 8 consecutive rows
    (``cluster = grp``): see the R call in this file's header."""
    naive = fit_cox(rossi, ROSSI_TERMS, time="week", event="arrest", cluster=None)
    np.testing.assert_allclose(naive["se"].astype(float), ROSSI_R_NAIVE_SE, rtol=1e-6)
    rossi["grp"] = rossi["id"] // 8
    grouped = fit_cox(rossi, ROSSI_TERMS, time="week", event="arrest", cluster="grp")
    np.testing.assert_allclose(grouped["se"].astype(float), ROSSI_R_GROUP8_SE, rtol=1e-6)


def test_rossi_breslow_matches_r(rossi):
    """R 4.2.2, survival 3.5-3: the Rossi model with ``ties = "breslow", cluster = id``."""
    out = fit_cox(rossi, ROSSI_TERMS, time="week", event="arrest", cluster="id", ties="breslow")
    np.testing.assert_allclose(out["log_hr"].astype(float), [
        -0.37902188743, -0.05724592504, 0.31412976691, -0.15111460006,
        -0.43278257376, -0.08498283527, 0.09111154209], rtol=1e-6)
    np.testing.assert_allclose(out["se"].astype(float), [
        0.19468774019, 0.02522870015, 0.29107772357, 0.21696090359,
        0.37889121715, 0.19834201090, 0.02874838692], rtol=1e-6)


def test_rossi_ph_test_matches_cox_zph_km(rossi):
    """survival < 3.0's ``cox.zph(fit, transform = "km")`` (the Grambsch-Therneau
    correlation test), computed in R 4.2.2 / survival 3.5-3 from ``resid(fit,
    "schoenfeld")`` and ``fit$var`` with the old code:
    ``xx <- ttimes - mean(ttimes); r2 <- sresid %*% fit$var * ndead;
    z <- c((xx %*% r2)^2 / (diag(fit$var) * ndead * sum(xx^2)))``, ttimes 1 - the
    left-continuous KM. Age and work experience break proportionality, as in Fox
    & Weisberg's appendix."""
    out = fit_cox(rossi, ROSSI_TERMS, time="week", event="arrest", cluster="id")
    r_p = [0.9435190413325, 0.0007838995471, 0.2339766918802, 0.0075374264813,
           0.4074349893731, 0.6938411919741, 0.8793526033251]
    np.testing.assert_allclose(out["ph_p_value"].astype(float), r_p, rtol=1e-6)


def test_tied_times_match_lifelines_efron():
    """lifelines 0.30.3 ``CoxPHFitter().fit(df, "time_days", "event")`` (Efron ties) on a
    seeded fixture where 28 churns fall on 5 days: coefficients and model-based SEs."""
    df = tied_calls()
    assert df.loc[df.event == 1, "time_days"].nunique() == 5
    ref = CoxPHFitter().fit(df, "time_days", "event")
    out = fit_cox(df, ["practice", "wait"], cluster=None)
    np.testing.assert_allclose(out["log_hr"].astype(float), ref.params_.to_numpy(), atol=1e-4)
    np.testing.assert_allclose(out["se"].astype(float), ref.standard_errors_.to_numpy(), atol=1e-4)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("data, terms", [
    (tied_calls(), ["practice", "wait"]),
    (many_terms(), [f"x{j}" for j in range(30)])], ids=["5 tied days", "20k calls x 30 terms"])
def test_matches_statsmodels_phreg(data, terms, ties):
    """statsmodels 0.15 ``PHReg(time, X, status=event, ties=ties).fit()`` (Newton, as
    fit_cox used before): coefficients and model-based SEs agree to 1e-8, on heavily
    tied times and on 20,000 calls with 30 terms (366 distinct days, ~45% churned)."""
    ref = PHReg(data["time_days"].to_numpy(float), data[terms].to_numpy(float),
                status=data["event"].to_numpy(float), ties=ties).fit()
    out = fit_cox(data, terms, cluster=None, ties=ties)
    assert out["warning"].isna().all()
    np.testing.assert_allclose(out["log_hr"].astype(float), ref.params, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(out["se"].astype(float), ref.bse, rtol=1e-8)


def test_robust_errors_match_lifelines_without_ties():
    """lifelines 0.30.3 ``CoxPHFitter().fit(..., robust=True)``. Only without tied
    times: lifelines' score residuals leave out the Efron correction (its source says
    "doesn't handle ties"), so on Rossi its robust SEs are up to 4% off R's (race
    0.2820 against R's 0.2923), while ours match R's there (test above)."""
    df = calls()
    assert df["time_days"].is_unique
    df["id"] = np.arange(len(df))
    terms = ["apologized", "empathized", "wait"]
    ref = CoxPHFitter().fit(df[[*terms, "time_days", "event"]], "time_days", "event", robust=True)
    out = fit_cox(df, terms, cluster="id")
    np.testing.assert_allclose(out["log_hr"].astype(float), ref.params_.to_numpy(), atol=1e-6)
    np.testing.assert_allclose(out["se"].astype(float), ref.standard_errors_.to_numpy(), rtol=1e-4)


def test_duplicated_calls_do_not_look_more_certain():
    """Copying every call five times under the same agent adds no information: the
    agent-clustered SE stays near the original's, while the naive one shrinks ~sqrt(5)."""
    df = calls(n_agents=600)
    df["agent_id"] = np.arange(len(df))
    copies = pd.concat([df] * 5, ignore_index=True)
    terms = ["apologized", "empathized", "wait"]
    original = fit_cox(df, terms)["se"].astype(float).to_numpy()
    clustered = fit_cox(copies, terms)["se"].astype(float).to_numpy()
    naive = fit_cox(copies, terms, cluster=None)["se"].astype(float).to_numpy()
    assert (clustered > 2 * naive).all()
    np.testing.assert_allclose(clustered, original, rtol=0.02)


def test_no_churn_at_all():
    df = calls().assign(event=0)
    out = fit_cox(df, ["apologized", "wait"])
    assert_no_nan(out)
    assert out[NUMBERS].isna().all().all()
    assert out["warning"].str.contains("no churn events").all()
    assert (out["n_events"] == 0).all()


def test_constant_practice_is_reported_and_the_rest_fitted():
    df = calls().assign(thanked=1, never=0)
    out = fit_cox(df, ["apologized", "thanked", "never", "wait"]).set_index("term")
    assert_no_nan(out.reset_index())
    assert out.loc["thanked", "warning"] == "thanked is used on every call: no comparison group"
    assert out.loc["never", "warning"] == "never is never used: no comparison group"
    assert out.loc[["thanked", "never"], NUMBERS].isna().all().all()
    alone = fit_cox(df, ["apologized", "wait"]).set_index("term")
    assert out.loc["apologized", "log_hr"] == pytest.approx(alone.loc["apologized", "log_hr"])
    assert out.loc["apologized", "hazard_ratio"] < 1 and pd.isna(out.loc["apologized", "warning"])


def test_single_agent_gives_estimates_without_clustered_errors():
    df = calls().assign(agent_id="a1")
    out = fit_cox(df, ["apologized", "wait"])
    assert_no_nan(out)
    assert out["log_hr"].notna().all() and out["hazard_ratio"].notna().all()
    assert out[["se", "ci_low", "ci_high", "p_value"]].isna().all().all()
    assert out["warning"].str.contains("all calls come from one agent").all()
    few = fit_cox(calls(n_agents=5), ["apologized"])
    assert few["se"].notna().all() and few["warning"].str.contains("only 5 agents").all()


def test_separated_collinear_and_missing():
    df = calls()
    df["rare"] = 0
    df.loc[df.index[df.event == 0][-5:], "rare"] = 1          # used only on calls that stayed
    df["not_apologized"] = 1 - df["apologized"]              # collinear with apologized
    df.loc[:9, "wait"] = np.nan
    out = fit_cox(df, ["apologized", "not_apologized", "rare", "wait"]).set_index("term")
    assert_no_nan(out.reset_index())
    assert "no churn among calls with rare" in out.loc["rare", "warning"]
    assert "collinear" in out.loc["not_apologized", "warning"]
    assert out.loc["apologized", "log_hr"] is not pd.NA
    assert out["warning"].str.contains("10 calls with missing values left out").all()
    assert (out["n"] == len(df) - 10).all()


def test_separation_no_single_check_catches():
    """A 0/1 term whose calls churn only after every call without it has left follow-up
    (hazard ratio heads to 0), and a continuous term equal to the churn day (no finite
    maximum at all): withheld with a reason, never an absurd number."""
    df = calls()
    late = fit_cox(df.assign(late=(df.time_days > 100).astype(int)), ["apologized", "late"])
    assert_no_nan(late)
    assert late.loc[1, "log_hr"] is pd.NA and "runs off to an extreme" in late.loc[1, "warning"]
    assert late.loc[0, "log_hr"] is not pd.NA
    day = fit_cox(df.assign(day=df.time_days / 10), ["apologized", "day"])
    assert_no_nan(day)
    assert day[NUMBERS].isna().all().all() and day["warning"].str.contains("did not converge").all()


def test_empty_data_and_churn_on_one_day():
    empty = fit_cox(calls().iloc[:0], ["apologized"])
    assert_no_nan(empty)
    assert empty.loc[0, "warning"] == "no calls to analyse"
    one_day = calls().assign(time_days=30.0)
    out = fit_cox(one_day, ["apologized", "wait"])
    assert_no_nan(out)
    assert out["log_hr"].notna().all() and out["ph_p_value"].isna().all()
    assert out["warning"].str.contains("proportional hazards cannot be checked").all()


def test_caller_mistakes_raise():
    df = calls()
    with pytest.raises(ValueError, match="not in the data"):
        fit_cox(df, ["nope"])
    with pytest.raises(ValueError, match="0 or 1"):
        fit_cox(df.assign(event=2), ["apologized"])


def test_interval_and_p_value_agree(rossi):
    """The 95% interval excludes a hazard ratio of 1 exactly when p < 0.05."""
    out = fit_cox(rossi, ROSSI_TERMS, time="week", event="arrest", cluster="id")
    hr = out["hazard_ratio"].astype(float)
    np.testing.assert_allclose(hr, np.exp(out["log_hr"].astype(float)))
    excludes = (out["ci_low"] > 1) | (out["ci_high"] < 1)
    assert (excludes == (out["p_value"] < 0.05)).all()
    assert out.set_index("term").loc["prio", "p_value"] < 0.05
