"""Training-priority intervals against a full agent bootstrap (issue #15, item 5).

    python -m benchmarks.priority_bootstrap                 # print the comparison
    python -m benchmarks.priority_bootstrap --write-reference  # and rewrite the tests' reference

The reference is the textbook cluster bootstrap (Cameron, Gelbach and Miller 2008, "Bootstrap-
based improvements for inference with clustered errors", the pairs cluster bootstrap; Efron
and Tibshirani 1993, ch. 13 for the percentile interval): resample whole agents with
replacement within their team, re-estimate *everything* from the resample (the effect by an
agent-clustered linear probability model, each team's adoption, the best-quartile target),
recompute customers kept, and take the 2.5th and 97.5th percentiles. training_priorities only
redraws the effect from its clustered standard error instead of refitting it, so its interval
must be about as wide as this reference's; the effect-only interval of before (n_boot=0) is
several times too narrow per team, as the audit in issue #15 found.

The world: four teams of six agents, 80 upset calls each (:func:`calls`). The reference's 250
draws cost about 40 CPU s (0.16 s a draw, most of it in training_priorities' frames), too much
for every test run: ``--write-reference`` stores its percentiles with the point estimates in
``tests/analysis/data/priority_bootstrap_reference.csv``, and
tests/analysis/test_priority_bootstrap.py compares today's intervals with them (and checks the
point estimates are still the ones the reference was drawn around; when they change, run this
again). Prints, per team and practice, the reference interval and the width ratios of the fast
interval (n_boot=4000) and of the effect-only one.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm

from calmline.analysis.priorities import training_priorities

PRACTICES = ["apologized", "took_ownership"]
TEAMS = ["north", "south", "east", "west"]
VOLUME = pd.DataFrame({"team": TEAMS, "upset_calls_per_month": [500.0, 400.0, 300.0, 200.0]})
REFERENCE = Path(__file__).resolve().parents[1] / "tests" / "analysis" / "data" / "priority_bootstrap_reference.csv"
N_BOOT, SEED = 250, 11
"""The reference's draws and seed."""


def calls(seed: int = 4) -> pd.DataFrame:
    """Four teams of six agents, 80 upset calls each; agents' adoption varies widely, and each
    practice lowers churn (risk differences about -0.06 and -0.04).

    Parameters
    ----------
    seed : int
        Seed of the draws.

    Returns
    -------
    pandas.DataFrame
        One row per call: agent_id, team, the two practices (0/1) and churned (0/1).
    """
    rng = np.random.default_rng(seed)
    rows = []
    for t, team in enumerate(TEAMS):
        for a in range(6):
            rates = rng.beta(2, 2, len(PRACTICES))
            n = 80
            used = rng.random((n, len(PRACTICES))) < rates
            risk = 0.25 - 0.06 * used[:, 0] - 0.04 * used[:, 1]
            for i in range(n):
                rows.append({"agent_id": f"{team}-{a}", "team": team, "apologized": int(used[i, 0]),
                             "took_ownership": int(used[i, 1]), "churned": int(rng.random() < risk[i])})
    return pd.DataFrame(rows)


def effects(calls: pd.DataFrame) -> pd.DataFrame:
    """Risk differences by a linear probability model with agent-clustered standard errors.

    Parameters
    ----------
    calls : pandas.DataFrame
        As :func:`calls` returns.

    Returns
    -------
    pandas.DataFrame
        practice, estimate, se.
    """
    X = sm.add_constant(calls[PRACTICES].astype(float))
    fit = sm.OLS(calls["churned"].astype(float), X).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(calls["agent_id"])[0]})
    return pd.DataFrame({"practice": PRACTICES, "estimate": fit.params[PRACTICES].to_numpy(),
                         "se": fit.bse[PRACTICES].to_numpy()})


def adoption(calls: pd.DataFrame) -> pd.DataFrame:
    """Each agent's calls and calls using each practice.

    Parameters
    ----------
    calls : pandas.DataFrame
        As :func:`calls` returns.

    Returns
    -------
    pandas.DataFrame
        agent_id, team, practice, n_calls, n_used.
    """
    long = calls.melt(id_vars=["agent_id", "team"], value_vars=PRACTICES, var_name="practice",
                      value_name="used")
    return (long.groupby(["agent_id", "team", "practice"], as_index=False)
            .agg(n_calls=("used", "size"), n_used=("used", "sum")))


def full_bootstrap(calls: pd.DataFrame, n_boot: int = N_BOOT, seed: int = SEED) -> pd.DataFrame:
    """The pairs cluster bootstrap of customers kept per month: agents resampled within their
    team, everything re-estimated per draw, percentile interval.

    Parameters
    ----------
    calls : pandas.DataFrame
        As :func:`calls` returns.
    n_boot : int
        Draws.
    seed : int
        Seed of the draws.

    Returns
    -------
    pandas.DataFrame
        Indexed by team and practice: low and high, the 2.5th and 97.5th percentiles of
        retained_per_month (customers kept per month).
    """
    rng = np.random.default_rng(seed)
    by_agent = {a: part for a, part in calls.groupby("agent_id")}
    team_agents = {t: sorted(calls.loc[calls["team"] == t, "agent_id"].unique()) for t in TEAMS}
    draws = []
    for b in range(n_boot):
        parts = []
        for team, agents in team_agents.items():
            for j, a in enumerate(rng.choice(agents, size=len(agents), replace=True)):
                parts.append(by_agent[a].assign(agent_id=f"{a}#{j}"))  # a drawn twice is two agents
        sample = pd.concat(parts, ignore_index=True)
        out = training_priorities(effects(sample), adoption(sample), VOLUME, n_boot=0)
        draws.append(out[["team", "practice", "retained_per_month"]].assign(b=b))
    draws = pd.concat(draws, ignore_index=True)
    draws["retained_per_month"] = draws["retained_per_month"].astype(float)
    return (draws.groupby(["team", "practice"])["retained_per_month"]
            .quantile([0.025, 0.975]).unstack().rename(columns={0.025: "low", 0.975: "high"}))


def point_estimates(calls: pd.DataFrame) -> pd.Series:
    """training_priorities' customers kept per month on the data itself (no draws), by team and
    practice: what the reference's draws are drawn around."""
    out = training_priorities(effects(calls), adoption(calls), VOLUME, n_boot=0)
    return out.set_index(["team", "practice"])["retained_per_month"].astype(float)


def width_ratios(calls: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """The fast interval's (n_boot=4000) and the effect-only interval's (n_boot=0) widths over
    the reference's, per team (and ``all``) and practice.

    Parameters
    ----------
    calls : pandas.DataFrame
        As :func:`calls` returns.
    reference : pandas.DataFrame
        Indexed by team and practice, with low and high (:func:`full_bootstrap`).

    Returns
    -------
    pandas.DataFrame
        fast and effect_only, on the reference's index.
    """
    fast = training_priorities(effects(calls), adoption(calls), VOLUME, n_boot=4000, seed=2)
    effect_only = training_priorities(effects(calls), adoption(calls), VOLUME, n_boot=0)
    width = lambda df: (df["ci_high"].astype(float) - df["ci_low"].astype(float)).to_numpy()
    fast = fast.set_index(["team", "practice"]).loc[reference.index]
    effect_only = effect_only.set_index(["team", "practice"]).loc[reference.index]
    ref_width = (reference["high"] - reference["low"]).to_numpy()
    return pd.DataFrame({"fast": width(fast) / ref_width, "effect_only": width(effect_only) / ref_width},
                        index=reference.index)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write-reference", action="store_true",
                        help=f"write the reference to {REFERENCE.relative_to(REFERENCE.parents[3])}")
    args = parser.parse_args()
    world = calls()
    started, cpu = time.perf_counter(), time.process_time()
    reference = full_bootstrap(world)
    print(f"full agent bootstrap, {N_BOOT} draws: {time.perf_counter() - started:.1f} s wall, "
          f"{time.process_time() - cpu:.1f} CPU s")
    reference["retained_per_month"] = point_estimates(world).loc[reference.index]
    ratios = width_ratios(world, reference)
    shown = reference.join(ratios)
    print("customers kept per month: reference 95% interval (low, high) and interval width over the reference's")
    print(shown.round(3).to_string())
    print(f"fast/reference width: median {ratios['fast'].median():.3f}, range {ratios['fast'].min():.3f}-"
          f"{ratios['fast'].max():.3f}; effect-only per team: median "
          f"{ratios['effect_only'].drop(index='all', level='team').median():.3f}")
    if args.write_reference:
        REFERENCE.parent.mkdir(parents=True, exist_ok=True)
        reference.reset_index()[["team", "practice", "retained_per_month", "low", "high"]].to_csv(
            REFERENCE, index=False, float_format="%.17g")
        print("wrote", REFERENCE)


if __name__ == "__main__":
    main()
