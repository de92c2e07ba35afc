"""The results that build on the practice effects: Cox and Kaplan-Meier, q-values and
minimum detectable effects, agents' adoption and training priorities.

Pure functions on DataFrames; :mod:`calmline.analysis.runner` stores what they return.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calmline import vocabulary
from calmline.analysis.design import ENCODED, build
from calmline.analysis.multiplicity import bh_qvalues
from calmline.analysis.power import mde_risk_difference
from calmline.analysis.coaching import coaching_queue
from calmline.analysis.priorities import training_priorities
from calmline.analysis.training_impact import training_impact
from calmline.analysis.shrinkage import shrink_rates
from calmline.analysis.cox import fit_cox_columns
from calmline.analysis.cox_sorted import SortedTerms, sorted_terms
from calmline.analysis.kaplan_meier import km_columns, km_curves

KM_HORIZON_DAYS = 180


def survival(population: pd.DataFrame, practices: list[str], *, after_call=(),
             landmark_days: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cox hazard ratios per practice (as practice_effects rows) and Kaplan-Meier curves.

    Every upset call with all practices assessed counts here, whatever its window:
    time to churn is censored at the as-of date. The baseline model (``effect = 'total'``)
    has the practices of the call and the pre-call covariates, never the practices in
    ``after_call``: a follow-up within 30 days is not known at the call, and a customer
    who churned on day 5 could not have had one on day 20 (immortal time). Each of those
    instead gets a landmark model (``effect = 'landmark'``): among calls whose customer
    was still active and observed ``landmark_days`` after the call, time to churn counted
    from the landmark, adjusted for the call's practices and the covariates; its Kaplan-Meier
    curves start at the landmark too (survival given still active then, days from the call).
    Without ``landmark_days`` after-call practices get no Cox row and no curves.
    """
    used = ["agent_id", "event", "time_days", *ENCODED, *practices]
    complete = np.ones(len(population), dtype=bool)
    for column in dict.fromkeys([*practices, "time_days"]):  # one column at a time: no copy of them
        complete &= population[column].notna().to_numpy()
    if len(population) and complete.all():
        df = population  # every call complete (complete_cases' rule): read as it is, no copy of it
    else:  # the complete calls (complete_cases' rows), each column taken only when it is read
        df = _Rows(population, complete)
    del complete
    if not len(df):
        return pd.DataFrame(), pd.DataFrame()
    after = [p for p in practices if p in set(after_call)]
    on_call = [p for p in practices if p not in after]
    # every time, churn and agent present: the calls' terms in one time-sorted store that the
    # models are fitted on where it lies, and the curves counted from (no design, no frame)
    terms = sorted_terms(df, practices, after, landmark_days)
    if terms is not None:
        agent = _agent_codes(df["agent_id"])
        # the store and the agent codes are all the fits and curves read: the caller's frame
        # (when this was its last reference: the runner hands its population over) and every
        # column of it let go before the fits
        del df, population
        return _sorted_survival(terms, agent, on_call, after, landmark_days)
    full = build(df[[c for c in dict.fromkeys(used) if c in df.columns]], practices, after_call=())
    # the encoded covariates live in the design from here on: the frame keeps only what the Cox
    # rows and the curves read (about 0.15 GB less held through the fits at 1M upset calls)
    df = df[[c for c in dict.fromkeys(["agent_id", "event", "time_days", *practices]) if c in df.columns]]
    # every practice is present here: a nullable boolean one held as bools (a byte a call, not two)
    nullable = {p: bool for p in practices
                if p in df.columns and isinstance(df[p].dtype, pd.BooleanDtype) and not df[p].isna().any()}
    if nullable:
        df = df.astype(nullable)
    # nor the caller's frame, when this was its last reference (the runner hands its population
    # over): every upset call's columns, about 0.4 GB at 1M upset calls, let go before the fits
    del population
    rows, groups, fitted = _cox_rows(df, full, on_call, df["time_days"], "total", "time_to_churn", None,
                                     leave_out=after)
    km = km_curves(groups, on_call, horizon_days=KM_HORIZON_DAYS) if on_call else pd.DataFrame()
    del groups  # its columns of every call are not held through the landmark models
    if landmark_days is not None:
        time = pd.to_numeric(df["time_days"], errors="coerce").to_numpy(dtype=float)
        alive = time > landmark_days  # still a customer, and followed, past the landmark
        note = (f"landmark: only calls whose customer was still active {landmark_days} days after "
                "the call; time to churn counted from then")
        for p in after:
            if alive.sum() == 0:
                continue
            # the landmark rows of the design are picked inside the fit (no copy of them), and its
            # Newton starts from the total model's coefficients (the same maximum, fewer steps)
            r, g, _ = _cox_rows(df, full, [p], df["time_days"] - landmark_days, "landmark",
                                f"time_to_churn_from_day_{landmark_days}", note, rows=alive, start=fitted,
                                leave_out=[q for q in after if q != p])
            rows = pd.concat([rows, r], ignore_index=True)
            curves = km_curves(g, [p], horizon_days=KM_HORIZON_DAYS - landmark_days)
            curves["day"] = curves["day"] + landmark_days
            km = pd.concat([km, curves], ignore_index=True)
    return rows.reset_index(drop=True), km


class _Rows:
    """The rows ``keep`` of ``frame``, as ``complete_cases`` copies them (in order, a new index),
    each column taken only when it is read: ``len``, ``columns`` and ``frame[column]`` (a
    Series) or ``frame[columns]`` (a DataFrame of those), all that :func:`sorted_terms` and
    :func:`calmline.analysis.design.covariate_blocks` read. A copy of every column used at once
    (and a second one by ``reset_index``) was the survival step's peak when a practice was not
    assessed on some calls: about 1.3 GB at 3.9M upset calls."""

    def __init__(self, frame: pd.DataFrame, keep: np.ndarray):
        self._frame, self._keep = frame, keep
        self.columns = frame.columns
        self._n = int(keep.sum())

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, column):
        if isinstance(column, list):  # the columns just taken: no second copy of them
            return pd.DataFrame({c: self[c] for c in column}, copy=False)
        # the kept values in one copy, with a new index (reset_index would copy them again)
        return pd.Series(self._frame[column].array[self._keep], name=column, copy=False)


def _cox_rows(df: pd.DataFrame, design, targets: list[str], time: pd.Series, effect: str,
              outcome: str, note: str | None, *, rows: np.ndarray | None = None,
              start: dict[str, float] | None = None, leave_out=()) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """One Cox model of ``design`` (its practices and covariates) on the calls ``rows`` (all by
    default; a covariate constant among them is left out as the model's screen does): rows for
    ``targets``, the 0/1 columns with time and event for their Kaplan-Meier curves, and every
    term's log hazard ratio (a related model's Newton ``start``).

    ``design`` is a :class:`~calmline.analysis.design.Design` of ``df``'s calls; ``leave_out``
    are practices not in this model (``design.dropping(leave_out)`` without its copy). The
    survival step takes this way when a time, churn or agent is missing (else
    :func:`_sorted_survival`: the same model and table)."""
    chosen = np.ones(len(df), bool) if rows is None else rows
    event = df["event"].astype(float).to_numpy()
    time = time.astype(float).to_numpy()
    # covariate column 0 is the intercept, which Cox has no use for; the design's columns are
    # handed over as they are (views), with no frame or second copy of them
    columns = {name: design.practices[:, j] for j, name in enumerate(design.practice_names)
               if name not in set(leave_out)}
    columns.update({name: design.covariates[:, j] for j, name in enumerate(design.covariate_names) if j})
    cox = fit_cox_columns(columns, time, event, df["agent_id"].array, rows=rows, start=start)
    n_with = {p: int(design.practices[chosen, design.practice_names.index(p)].sum()) for p in targets}
    out, fitted = _table(cox, targets, n_with, int(chosen.sum()), effect, outcome, note)
    picked = df.loc[chosen, targets] if rows is not None else df[targets]
    # 0/1 as one byte each (the curves read them as floats): 8 times less than int64 columns,
    # copied again by the frame's reset and new columns (about 0.34 GB at its peak at 1M calls)
    groups = picked.astype(np.int8).reset_index(drop=True)
    groups["time_days"], groups["event"] = time[chosen], event[chosen]
    return out, groups, fitted


def _table(cox: pd.DataFrame, targets: list[str], n_with: dict[str, int], n_calls: int, effect: str,
           outcome: str, note: str | None) -> tuple[pd.DataFrame, dict]:
    """The practice_effects rows of a Cox table's ``targets`` (``n_with`` each target's calls with
    it among the model's ``n_calls``), and every term's log hazard ratio."""
    fitted = {t: float(v) for t, v in zip(cox["term"], cox["log_hr"]) if pd.notna(v)}
    cox = cox[cox["term"].isin(targets)].copy()  # (a table of a few rows)
    for column in ("hazard_ratio", "ci_low", "ci_high", "p_value", "ph_p_value"):
        cox[column] = pd.to_numeric(cox[column], errors="coerce").astype(float)  # NA -> NaN, as effects
    out = pd.DataFrame({
        "practice": cox["term"], "method": "cox", "effect": effect, "outcome": outcome,
        "scale": "hazard_ratio", "estimate": cox["hazard_ratio"], "ci_low": cox["ci_low"],
        "ci_high": cox["ci_high"], "p_value": cox["p_value"],
        "n_with": cox["term"].map(n_with), "n_without": cox["term"].map(lambda p: n_calls - n_with[p]),
        "n_calls": n_calls, "n_analysed": cox["n"].astype(int),
        "warning": [_join(w, _ph_warning(p), note) for w, p in zip(cox["warning"], cox["ph_p_value"])],
    })
    return out, fitted


def _agent_codes(agent_id: pd.Series) -> np.ndarray:
    """Each call's agent as a code, numbered in order of first appearance (``pd.factorize``), 32-bit
    (a call's code is below the number of calls): what the models' clusters are made of, instead
    of the ids as text."""
    codes = pd.factorize(agent_id)[0]
    return codes.astype(np.int32) if len(codes) < 2 ** 31 else codes


def _sorted_survival(terms: SortedTerms, agent: np.ndarray, on_call: list[str], after: list[str],
                     landmark_days: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`survival`'s tables from the calls' time-sorted store ``terms`` and their ``agent``
    codes (rows as the frame's): the models fitted on the store where it lies, and the curves
    counted from its times, churns and 0/1 practices as they lie (the curves are counts per time,
    in any order of the calls), so no frame of the calls is held through the fits."""
    rows, fitted = _sorted_rows(terms, agent, on_call, 0, terms.t, "total", "time_to_churn", None,
                                leave_out=after)
    km = (km_columns(terms.t, terms.e, {p: terms.column(p) for p in on_call}, horizon_days=KM_HORIZON_DAYS)
          if on_call else pd.DataFrame())
    if landmark_days is not None:
        # still a customer, and followed, past the landmark: the rows from the first time past it
        # on, in the store's order (its times are sorted)
        first = int(np.searchsorted(terms.t, landmark_days, side="right"))
        note = (f"landmark: only calls whose customer was still active {landmark_days} days after "
                "the call; time to churn counted from then")
        for p in after:
            if first == len(terms.t):
                continue
            # time counted from the landmark (sorted_terms checked these are the frame's own
            # time_days - landmark_days, and in the same order); Newton starts from the total
            # model's coefficients (the same maximum, fewer steps)
            t = terms.t[first:] - landmark_days
            r, _ = _sorted_rows(terms, agent, [p], first, t, "landmark",
                                f"time_to_churn_from_day_{landmark_days}", note, start=fitted,
                                leave_out=[q for q in after if q != p])
            rows = pd.concat([rows, r], ignore_index=True)
            curves = km_columns(t, terms.e[first:], {p: terms.column(p)[first:]},
                                horizon_days=KM_HORIZON_DAYS - landmark_days)
            del t
            curves["day"] = curves["day"] + landmark_days
            km = pd.concat([km, curves], ignore_index=True)
    return rows.reset_index(drop=True), km


def _sorted_rows(terms: SortedTerms, agent: np.ndarray, targets: list[str], first: int, t: np.ndarray,
                 effect: str, outcome: str, note: str | None, *, start: dict[str, float] | None = None,
                 leave_out=()) -> tuple[pd.DataFrame, dict]:
    """:func:`_cox_rows`' table and log hazard ratios from ``terms`` (fitted where it lies) on its
    rows ``first:`` (all, or a landmark's), their times ``t`` (in the store's order), the
    ``leave_out`` practices not among the terms."""
    moved = [p for p in terms.apart if p not in set(leave_out)]
    for p in moved:  # into its place among the practices, as the design's columns are ordered
        terms.insert(p, sum(q in terms.names for q in terms.practice_order[:terms.practice_order.index(p)]))
    try:
        rows = terms.order[first:]
        # the agents numbered in order of first appearance among the model's calls (in the
        # frame's order), as factorizing their ids would
        if first:
            chosen = np.zeros(len(agent), dtype=bool)
            chosen[rows] = True
            seen = pd.unique(agent[chosen])
            del chosen
        else:
            seen = pd.unique(agent)
        # as the machine's integers: the cluster sums' bincounts read them so (a 32-bit copy
        # would be converted for each of them)
        numbered = np.empty(int(agent.max()) + 1, dtype=np.intp)
        numbered[seen] = np.arange(len(seen))
        codes = numbered[agent[rows]]
        cox = terms.fit(first, t, codes, start=start)
        del codes
        n_with = {p: int(terms.column(p)[first:].sum()) for p in targets}
    finally:
        for p in moved:
            terms.remove(p)
    return _table(cox, targets, n_with, len(terms.t) - first, effect, outcome, note)


def _ph_warning(p) -> str | None:
    if p is not None and pd.notna(p) and p < 0.01:
        return f"proportional hazards doubtful (test p = {p:.3g}): the hazard ratio is an average over time"
    return None


def _join(*parts) -> str | None:
    kept = [str(p) for p in parts if p is not None and not (isinstance(p, float) and np.isnan(p))]
    return "; ".join(kept) or None


def add_q_and_mde(effects: pd.DataFrame, df: pd.DataFrame, practices: list[str], outcome: str,
                  *, after_call=(), landmark: np.ndarray | None = None) -> pd.DataFrame:
    """Benjamini-Hochberg q-values across practices (within method, effect and scale) and, for
    risk differences, the minimum detectable effect at 80% power and the 5% level.

    The MDE of a row is that of its own estimator: n with and without the practice, the churn
    rate without it (for a practice in ``after_call``, among the calls still active at the
    ``landmark``, as its landmark effect), and the design effect its fitted standard error
    implies, ``design_effect = std_error**2 / (r1 (1 - r1) / n_with + r0 (1 - r0) / n_without)``
    (r1, r0 the churn rates with and without): clustering by agent and collinearity with the
    other practices raise it above 1, adjustment for strong predictors of churn can lower it.
    The naive row's design effect is 1. With few agents (``t_df``) the power uses the t
    reference. A row without a standard error (no estimate, or a frame without ``std_error``)
    gets the simple comparison's MDE, a lower bound, and no design effect.
    """
    out = effects.copy()
    out["q_value"] = np.nan
    for _, idx in out.groupby(["method", "effect", "scale"]).groups.items():
        out.loc[idx, "q_value"] = bh_qvalues(pd.to_numeric(out.loc[idx, "p_value"], errors="coerce")
                                             .to_numpy(dtype=float))
    simple = {}
    # only the outcome and the practices: a landmark's rows are gathered of these (was every
    # column of the horizon's calls, once per after-call practice), and once
    df = df[[c for c in dict.fromkeys([outcome, *practices]) if c in df.columns]]
    at_landmark = df.loc[landmark] if landmark is not None and set(after_call) & set(practices) else None
    for p in practices:
        rows = at_landmark if p in after_call and landmark is not None else df
        y = rows[outcome].astype(float)
        used = rows[p].astype(float) == 1
        n1, n0 = int(used.sum()), int((~used).sum())
        if n1 and n0:
            r1, r0 = float(y[used].mean()), float(y[~used].mean())
            simple[p] = (n1, n0, r0, r1 * (1 - r1) / n1 + r0 * (1 - r0) / n0)
    is_rd = out["scale"] == "risk_difference"
    se = pd.to_numeric(out.get("std_error", pd.Series(np.nan, index=out.index)), errors="coerce")
    dfs = pd.to_numeric(out.get("t_df", pd.Series(np.nan, index=out.index)), errors="coerce")
    out["design_effect"], out["mde"] = np.nan, np.nan
    for i in out.index[is_rd]:
        n1, n0, r0, var = simple.get(out.at[i, "practice"], (0, 0, None, 0.0))
        if var > 0 and pd.notna(se[i]):
            deff = float(se[i]) ** 2 / var
            out.at[i, "design_effect"] = deff
            out.at[i, "mde"] = mde_risk_difference(n1, n0, r0, design_effect=deff,
                                                   df=None if pd.isna(dfs[i]) else float(dfs[i]))
        elif r0 is not None:
            out.at[i, "mde"] = mde_risk_difference(n1, n0, r0)
    # the design-effect MDE is about 2.8 standard errors, so an interval is never wider than two of
    # them; what a reader needs is the size a non-significant row cannot rule out
    low, high = (pd.to_numeric(out[c], errors="coerce") for c in ("ci_low", "ci_high"))
    unsure = is_rd & out["estimate"].notna() & out["mde"].notna() & (low <= 0) & (high >= 0)
    out.loc[unsure, "warning"] = [
        _join(w, f"inconclusive: the interval includes no effect, and an effect smaller than "
                 f"{100 * m:.1f} points would be missed more than 1 time in 5")
        for w, m in zip(out.loc[unsure, "warning"], out.loc[unsure, "mde"])]
    return out


def priorities(population: pd.DataFrame, effects: pd.DataFrame, practices: list[str]
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Agents' shrunken adoption of each practice and the practices ranked by customers kept."""
    present = [p for p in practices if p in population.columns]
    agent, team = agent_team_codes(population)
    adoption = adoption_counts(agent, team, [population[p] for p in present], present)
    shrunk = pd.concat([shrink_rates(part) for _, part in adoption.groupby("practice")],
                       ignore_index=True) if len(adoption) else adoption
    months = max(1, population["call_month"].nunique())
    volume = pd.DataFrame({"team": team.names, "size": np.bincount(team.codes, minlength=len(team.names))})
    volume["upset_calls_per_month"] = volume["size"] / months
    chosen = _best_effect(effects, practices)
    ranked = training_priorities(chosen, adoption, volume[["team", "upset_calls_per_month"]])
    return ranked, shrunk


class Keys:
    """One key column of the upset calls as codes: ``codes`` (one per call, -1 for a missing
    key) index ``names`` (pandas' "string" dtype, sorted), the groups of a sorted groupby on the
    column as text."""

    def __init__(self, codes: np.ndarray, names: pd.Series):
        self.codes, self.names = codes, names


def _keys(column: pd.Series, missing: str | None = None) -> Keys:
    """``column`` as text (``astype("string")``, a missing value as ``missing``, or left out)
    grouped in sorted order: factorized as it is (no text copy of every call), then its few
    distinct values as text, sorted and merged where two give the same text."""
    codes, uniques = pd.factorize(column, use_na_sentinel=missing is None)
    text = pd.Series(uniques, copy=False).astype("string")
    if missing is not None:
        text = text.fillna(missing)
    merged, names = pd.factorize(text, sort=True)
    codes = np.where(codes >= 0, merged[np.maximum(codes, 0)], -1) if len(merged) else codes
    return Keys(codes, pd.Series(names, dtype="string").reset_index(drop=True))


def agent_team_codes(population: pd.DataFrame) -> tuple[Keys, Keys]:
    """The calls' agent (text; a call without one in no group) and team (text, a missing team
    'unassigned') as :class:`Keys`: what ``groupby([agent_id.astype("string"), team])`` reads."""
    return (_keys(population["agent_id"]),
            _keys(population["team"], missing="unassigned"))


def _pairs(agent: Keys, team: Keys) -> tuple[np.ndarray, np.ndarray]:
    """Per call its (agent, team) cell (-1 without an agent) and the cells that have calls, in
    the order of a sorted groupby on both."""
    cell = np.where(agent.codes >= 0, agent.codes * len(team.names) + team.codes, -1)
    size = np.bincount(cell[cell >= 0], minlength=len(agent.names) * len(team.names))
    return cell, np.flatnonzero(size)


def adoption_counts(agent: Keys, team: Keys, flags: list[pd.Series], practices: list[str]) -> pd.DataFrame:
    """Per agent, team and practice the calls where it was assessed (``n_calls``) and used
    (``n_used``), cells with an assessed call only: ``flags`` the practices' columns (1 used, 0
    not, missing not assessed). The same table as grouping the calls' 0/1 floats by agent and
    team and stacking the sums (counts of whole calls: exact in any order of adding), from one
    bincount per practice over the calls' cell numbers."""
    cell, cells = _pairs(agent, team)
    ok = cell >= 0
    where, size = cell[ok], len(agent.names) * len(team.names)
    n_calls, n_used = [], []
    for flag in flags:
        values = flag.astype(float).to_numpy()[ok]
        known = ~np.isnan(values)
        n_calls.append(np.bincount(where, weights=known, minlength=size)[cells])
        n_used.append(np.bincount(where, weights=np.where(known, values, 0.0), minlength=size)[cells])
    k = len(practices)
    pick = np.repeat(cells, k)
    out = pd.DataFrame({
        "agent_id": agent.names.take(pick // len(team.names)).reset_index(drop=True),
        "team": team.names.take(pick % len(team.names)).reset_index(drop=True),
        "practice": np.array(list(practices), dtype=object)[np.tile(np.arange(k), len(cells))],
        "n_calls": np.column_stack(n_calls).ravel().astype(int) if k else np.empty(0, int),
        "n_used": np.column_stack(n_used).ravel().astype(int) if k else np.empty(0, int)})
    return out[out["n_calls"] > 0].reset_index(drop=True)


def _columns(population: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A copy of only these columns of the population (those it has): the other columns, strings
    among them, are never copied."""
    return population[[c for c in dict.fromkeys(columns) if c in population.columns]].copy()


def _best_effect(effects: pd.DataFrame, practices: list[str]) -> pd.DataFrame:
    """Per practice, the doubly robust total effect, else the logit one."""
    rows = []
    # a practice that happens after the call has a landmark effect instead of a total one
    rd = effects[(effects["scale"] == "risk_difference") & effects["effect"].isin(["total", "landmark"])]
    for p in practices:
        pick = None
        for method in ("aipw", "logit"):
            hit = rd[(rd["practice"] == p) & (rd["method"] == method) & rd["estimate"].notna()]
            if len(hit):
                pick = hit.iloc[0]
                break
        if pick is None:
            rows.append({"practice": p, "estimate": None, "se": None})
        else:
            se = pick.get("std_error")  # stored since #15.6; older rows: from the normal interval
            if se is None or pd.isna(se):
                se = (float(pick["ci_high"]) - float(pick["ci_low"])) / (2 * 1.959963984540054)
            se = float(se)
            rows.append({"practice": p, "estimate": float(pick["estimate"]), "se": se})
    return pd.DataFrame(rows)


def trainer_tables(population: pd.DataFrame, effects: pd.DataFrame, priorities: pd.DataFrame,
                   adoption: pd.DataFrame, practices: list[str], horizon: int,
                   completions: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """The trainer's result tables of one run: ``agent_coaching`` and ``training_impact``.

    ``agent_coaching`` (:func:`calmline.analysis.coaching.coaching_queue`): each agent's
    biggest practice gap against the centre's target (``priorities``' 'all' rows), with the
    effect the priorities use, over the agent's upset calls per month of the period.
    ``training_impact`` (:func:`calmline.analysis.training_impact.training_impact`): the
    difference in differences of adoption and of churn within ``horizon`` days (calls whose
    window has closed) around each module in ``completions`` (agent_id, module,
    completed_at); empty when there are no completions.
    """
    modules = vocabulary.module_practice().values()  # the practices training_impact may read
    months = max(1, population["call_month"].nunique())
    agent, team = agent_team_codes(population)
    cell, cells = _pairs(agent, team)
    calls = pd.DataFrame({"agent_id": agent.names.take(cells // len(team.names)).reset_index(drop=True),
                          "team": team.names.take(cells % len(team.names)).reset_index(drop=True),
                          "upset_calls": np.bincount(cell[cell >= 0], minlength=len(agent.names) * len(team.names))[cells]})
    targets = priorities[priorities["team"] == "all"][["practice", "target_adoption"]]
    out = {"agent_coaching": coaching_queue(adoption, _best_effect(effects, practices), targets, calls,
                                            months=months) if len(adoption) else pd.DataFrame()}
    if completions is None or completions.empty:
        out["training_impact"] = pd.DataFrame()
        return out
    outcome = f"churned_{horizon}d"
    # only the columns training_impact reads, as they are (no copy of them), and churn where known
    upset = {c: population[c] for c in dict.fromkeys(["agent_id", "call_month", *practices, *modules])
             if c in population.columns}
    upset["churn"] = population[outcome].where(population["days_observable"] >= horizon)
    out["training_impact"] = training_impact(pd.DataFrame(upset, copy=False), completions,
                                             {f"churn_{horizon}d": "churn"})
    return out
