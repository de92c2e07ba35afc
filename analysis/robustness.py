"""What the data cannot rule out: the sensitivity checks of every practice's main estimate.

For each practice (the total effect of a practice on the call; the landmark effect of one
that happens after it) this puts side by side, one row per practice and effect:

- the main estimate (AIPW, else the logit AME) and its E-value and the E-value of its
  interval (:mod:`calmline.analysis.sensitivity`, VanderWeele & Ding 2017);
- Cinelli & Hazlett's robustness values from the linear probability model with the same
  adjustment set, and how far an unrecorded trait as strong as the strongest measured
  covariate would move it;
- the within-agent (agent fixed effects) estimate (:mod:`calmline.analysis.within_agent`)
  and whether it disagrees with the main estimate (the main estimate outside its 95%
  interval);
- one paragraph in plain words (``reading``), stored so that the page, the report and the
  saved query say the same.

Reads the design the effects were estimated on; writes nothing (the runner stores the frame
as ``practice_sensitivity``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calmline import vocabulary
from calmline.analysis import sensitivity, within_agent
from calmline.analysis.design import Design, covariate_groups, landmark_rows, subset_matrix
from calmline.analysis.specification import ADJUSTED_FOR

COLUMNS = ["practice", "effect", "method", "estimate", "ci_low", "ci_high", "baseline_risk", "risk_ratio",
           "e_value", "e_value_ci", *sensitivity.SENSITIVITY_COLUMNS[1:],
           "within_estimate", "within_ci_low", "within_ci_high", "within_n", "within_agents",
           "within_disagrees", "reading", "warning"]
"""The columns of ``practice_sensitivity`` (after run_id)."""


def sensitivity_checks(effects: pd.DataFrame, design: Design, y: np.ndarray, agents: np.ndarray,
                       practices: list[str], effect: str, rows: np.ndarray | None = None
                       ) -> pd.DataFrame:
    """Every sensitivity check of ``practices``, estimated in ``design`` (each adjusted for the others).

    Parameters
    ----------
    effects : DataFrame
        The run's ``practice_effects`` rows (risk differences of method aipw or logit and
        effect ``effect`` are used).
    design : Design
        The design the main estimates used (after-call practices already dropped).
    y : (n,) array of 0/1
        Churn within the horizon.
    agents : (n,) array
        Each call's agent.
    practices : list of str
        The practices to check.
    effect : str
        ``total`` or ``landmark``.
    rows : (n,) bool array, optional
        The calls the estimates used (the landmark); all when None.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`, one row per practice.
    """
    found = landmark_rows(design, rows) if rows is not None else None
    if found is not None:
        # the calls' rows read a block at a time from the design's matrix, not gathered (0.27 GB
        # at 1M upset calls); a practice's column among them only for its baseline risk
        X, names, practice_names, covariate_names = found
        y, agents, picked = y[rows], np.asarray(agents)[rows], X.rows
    else:
        if rows is not None:
            design, y, agents = subset_matrix(design, rows), y[rows], np.asarray(agents)[rows]
        design = design.varying()
        X, names = design.matrix()
        practice_names, covariate_names, picked = design.practice_names, design.covariate_names, slice(None)

    def used(practice: str) -> np.ndarray:
        """The practice's 0/1 values on the model's calls."""
        return design.practices[picked, design.practice_names.index(practice)]

    targets = [p for p in practices if p in practice_names]
    offset = len(practice_names)
    groups = {col: [offset + j for j in cols] for col, cols in covariate_groups(covariate_names).items()}
    linear = sensitivity.linear_sensitivity(X, names, y, targets, groups).set_index("practice")
    within = within_agent.within_agent(X, names, y, agents, targets).set_index("practice")
    main = _main(effects, effect)
    out = []
    for practice in practices:
        row = dict(practice=practice, effect=effect)
        m = main.get(practice)
        if m is not None:
            row.update(method=m["method"], estimate=m["estimate"], ci_low=m["ci_low"], ci_high=m["ci_high"])
        if practice in targets:
            if m is not None:
                p0 = sensitivity.baseline_risk(y, used(practice), m["estimate"])
                rr, e, e_ci = sensitivity.risk_difference_e_values(m["estimate"], m["ci_low"], m["ci_high"], p0)
                row.update(baseline_risk=p0, risk_ratio=rr, e_value=e, e_value_ci=e_ci)
            row.update({k: v for k, v in linear.loc[practice].items()})
            w = within.loc[practice]
            row.update(within_estimate=w["estimate"], within_ci_low=w["ci_low"], within_ci_high=w["ci_high"],
                       within_n=w["n"], within_agents=w["n_agents"])
            row["within_disagrees"] = within_agent.disagrees(row.get("estimate"), w["ci_low"], w["ci_high"])
            row["warning"] = w["warning"] if isinstance(w["warning"], str) else None
        else:
            row["warning"] = f"no variation: {practice} is used on every or on no call of the model"
        row["reading"] = reading(row)
        if m is None:
            row["warning"] = "; ".join(filter(None, [row.get("warning"), "no main estimate to check"]))
        out.append(row)
    frame = pd.DataFrame(out, columns=COLUMNS)
    return frame.astype({c: float for c in COLUMNS if c not in
                         ("practice", "effect", "method", "benchmark", "benchmark_explains_away",
                          "within_disagrees", "reading", "warning")})


def _main(effects: pd.DataFrame, effect: str) -> dict[str, dict]:
    """Each practice's main risk difference of ``effect``: AIPW when it has one, else the logit AME."""
    found: dict[str, dict] = {}
    if effects is None or effects.empty:
        return found
    rd = effects[(effects["scale"] == "risk_difference") & (effects["effect"] == effect)]
    for method in ("logit", "aipw"):  # aipw last, so it wins
        for _, r in rd[rd["method"] == method].iterrows():
            if pd.notna(r["estimate"]) and pd.notna(r["ci_low"]) and pd.notna(r["ci_high"]):
                found[r["practice"]] = dict(method=method, estimate=float(r["estimate"]),
                                            ci_low=float(r["ci_low"]), ci_high=float(r["ci_high"]))
    return found


def _pp(value: float) -> str:
    return f"{value * 100:+.1f} pp"


def covariate_words(column) -> str:
    """The words for a benchmark covariate (``anger_level`` -> ``anger level``)."""
    return dict(ADJUSTED_FOR).get(column, vocabulary.label(column).lower())


def reading(row: dict) -> str:
    """The sensitivity of one practice's estimate in plain words (percentage points, ratios, shares).

    Parameters
    ----------
    row : dict
        A row of :func:`sensitivity_checks` (before ``reading`` is set).

    Returns
    -------
    str
        What it would take an unrecorded trait to explain the estimate away, whether one as
        strong as the strongest measured covariate would, and what the within-agent
        comparison says (flagged when it disagrees).
    """
    def ok(key):
        v = row.get(key)
        return v is not None and not (isinstance(v, float) and np.isnan(v))

    parts = []
    if ok("estimate"):
        method = "AIPW" if row.get("method") == "aipw" else "logit"
        parts.append(f"{_pp(row['estimate'])} (95% CI {_pp(row['ci_low'])} to {_pp(row['ci_high'])}; "
                     f"{method}).")
        if ok("e_value_ci") and row["e_value_ci"] <= 1:
            parts.append("The interval already includes no effect: there is nothing for hidden "
                         "confounding to explain away.")
        elif ok("e_value") and ok("e_value_ci"):
            text = (f"Explaining it away would take an unrecorded trait tied to both the practice and "
                    f"churn by a risk ratio of {row['e_value']:.2f} each, beyond the measured covariates "
                    f"({row['e_value_ci']:.2f} to reach no effect: E-value)")
            if ok("rv") and ok("rv_alpha"):
                text += (f", or explaining {row['rv']:.1%} of the remaining variation of both "
                         f"(robustness value; {row['rv_alpha']:.1%} to lose significance)")
            parts.append(text + ".")
    else:
        parts.append("No main estimate to check.")
    if ok("benchmark") and ok("benchmark_estimate"):
        strongest = covariate_words(row["benchmark"])
        moved = (f"{_pp(row['lpm_estimate'])} in the linear model would become "
                 f"{_pp(row['benchmark_estimate'])} (95% CI {_pp(row['benchmark_ci_low'])} to "
                 f"{_pp(row['benchmark_ci_high'])})")
        away = row.get("benchmark_explains_away")
        if away is None or (isinstance(away, float) and np.isnan(away)):
            parts.append(f"Allowing for a trait as strong as {strongest}, the strongest measured "
                         f"covariate here: {moved}.")
        else:
            verb = "would" if away else "would not"
            parts.append(f"A trait as strong as {strongest}, the strongest measured covariate here, "
                         f"{verb} explain it away: {moved}.")
    if ok("within_estimate"):
        agents = int(row["within_agents"]) if ok("within_agents") else 0
        text = (f"Within the same agent ({agents:,} agents): {_pp(row['within_estimate'])} (95% CI "
                f"{_pp(row['within_ci_low'])} to {_pp(row['within_ci_high'])})")
        if row.get("within_disagrees") is True:
            text += ": ⚠ disagrees, the main estimate is outside this interval (good agents doing " \
                    "everything?)."
        elif row.get("within_disagrees") is False:
            text += ": agrees, the main estimate is inside this interval."
        else:
            text += "."
        parts.append(text)
    elif row.get("warning"):
        parts.append(f"Within the same agent: {row['warning']}.")
    return " ".join(parts)

