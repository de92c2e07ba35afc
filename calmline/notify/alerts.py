"""Evaluate an alert of the rules file on the latest data.

Each alert reads what the dashboard shows, so an alert and the page agree:

- churn alerts take the overview's what-changed comparison
  (:func:`calmline.dashboard.overview_numbers.comparisons`: the latest month whose 90-day windows
  have all closed vs the month before, a Newcomb 95% interval of the difference and Pearson's
  chi-square test), for the alert's filters;
- adoption alerts the ``monthly_adoption`` query the overview's adoption trend draws;
- effect alerts the last two model runs' ``practice_effects`` (``queries/notify/effect_changes.sql``);
- the data alerts ``load_batches`` and ``etl_state`` (``queries/notify/latest_load.sql``,
  ``queries/notify/data_age.sql``).

An alert's *period* names the data it fired on (the month compared, the pair of runs, the load,
the as-of date): the same alert on the same data is delivered once, and fires again when new data
makes it true again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from calmline import vocabulary
from calmline.notify.rules import Rule

ALPHA = 0.05
"""Significance level of the effect alerts (as the Practice impact page)."""


@dataclass(frozen=True)
class Finding:
    """What an alert found: whether it fires, on which data (``period``), and in words."""

    rule: str
    fired: bool
    period: str
    text: str


class AlertError(RuntimeError):
    """An alert that cannot be evaluated on this database (a filter value it does not have)."""


def evaluate(rule: Rule, db: str | Path, today: date) -> list[Finding]:
    """Evaluate alert ``rule`` on the database ``db``.

    Parameters
    ----------
    rule : Rule
        An alert of the rules file.
    db : str or Path
        The published calmline database.
    today : date
        The day the data's age is measured to.

    Returns
    -------
    list of Finding
        One finding (an ``effect_changed`` alert without a practice: one per practice that
        changed, or one that did not fire).

    Raises
    ------
    AlertError
        When a filter names a team, site, channel or issue type the database does not have.
    """
    from calmline.notify import dashboard_context

    dashboard_context.use_database(db)
    unknown = dashboard_context.unknown_filter_values(rule.filters)
    if unknown:
        raise AlertError(f"alert {rule.name!r}: the database has no {'; '.join(unknown)} (filters)")
    metric = rule.metric
    if metric in ("churn_above", "churn_up"):
        return [_churn(rule)]
    if metric == "adoption_below":
        return [_adoption(rule)]
    if metric == "effect_changed":
        return _effects(rule, db)
    if metric == "rejected_rows":
        return [_rejected(rule, db)]
    if metric == "data_age":
        return [_age(rule, db, today)]
    raise ValueError(f"unknown metric {metric!r}")


def above_beyond_chance(k: int, n: int, threshold: float) -> tuple[bool, float, float]:
    """Whether the rate k / n is above ``threshold`` percent beyond chance: its Wilson 95% interval
    (the one the overview draws) lies wholly above it.

    Parameters
    ----------
    k, n : int
        Events (calls that churned) and trials (calls whose window had closed).
    threshold : float
        Percent.

    Returns
    -------
    (bool, float, float)
        Fires, and the interval's bounds (shares).
    """
    from calmline.dashboard.overview_numbers import wilson

    low, high = wilson([k], [n])
    return bool(low[0] > threshold / 100), float(low[0]), float(high[0])


def below_beyond_chance(k: int, n: int, threshold: float) -> tuple[bool, float, float]:
    """Whether k / n is below ``threshold`` percent beyond chance: its Wilson 95% interval lies
    wholly below it. Returns (fires, low, high) as :func:`above_beyond_chance`."""
    from calmline.dashboard.overview_numbers import wilson

    low, high = wilson([k], [n])
    return bool(high[0] < threshold / 100), float(low[0]), float(high[0])


def up_beyond_chance(c, points: float) -> bool:
    """Whether the overview's comparison ``c`` (a
    :class:`calmline.dashboard.overview_numbers.Comparison`) says churn got worse, unlikely to be
    chance (p < 0.05, as the page's badge), by more than ``points`` percentage points."""
    return (c.difference is not None and c.significant and c.direction == "worse"
            and c.difference * 100 > points)


def _scope(rule: Rule) -> str:
    from calmline.dashboard.html_report import describe_filters

    return describe_filters(rule.filters)


def _churn(rule: Rule) -> Finding:
    from calmline.dashboard import filters, formats, overview_numbers

    o = overview_numbers.overview_numbers(filters.params(rule.filters))
    scope = _scope(rule)
    if not o.comparisons:
        return Finding(rule.name, False, "", f"{scope}: no month whose {overview_numbers.HORIZON}-day churn "
                                             f"windows have all closed; nothing to check")
    c = o.comparisons[0]  # the latest closed month vs the month before, as on the page
    what = f"Churn within {overview_numbers.HORIZON} days after upset calls, {scope}"
    if rule.metric == "churn_above":
        if not c.closed:
            return Finding(rule.name, False, c.period, f"{what}: no upset call of {c.period} has a closed window")
        fired, low, high = above_beyond_chance(c.churned, c.closed, rule.threshold)
        verdict = (f"above the alert's {rule.threshold:g}% beyond chance (the 95% interval lies above it)"
                   if fired else f"not clearly above the alert's {rule.threshold:g}%")
        text = (f"{what}, {c.period}: {formats.rate_of(c.churned, c.closed, 'upset calls')}, 95% CI "
                f"{formats.percent(low)} to {formats.percent(high)}: {verdict}.")
        return Finding(rule.name, fired, c.period, text)
    words = overview_numbers.comparison_text(c)
    fired = up_beyond_chance(c, rule.threshold)
    verdict = (f"up by more than the alert's {rule.threshold:g} points, unlikely to be chance" if fired else
               f"not up by more than the alert's {rule.threshold:g} points beyond chance")
    return Finding(rule.name, fired, c.period, f"{what}, {c.label}: {words['text']} Alert: {verdict}.")


def _adoption(rule: Rule) -> Finding:
    from calmline.dashboard import data, filters, formats, overview_numbers

    monthly = data.frame("monthly_adoption", **filters.params(rule.filters))
    label = vocabulary.label(rule.practice)
    scope = _scope(rule)
    rows = monthly[(monthly["practice"] == rule.practice) & (monthly["assessed"] > 0)] if len(monthly) else monthly
    if rows.empty:
        return Finding(rule.name, False, "", f"{label} ({scope}): no upset call with it assessed; nothing to check")
    latest = rows.sort_values("month").iloc[-1]
    month = overview_numbers.month_words(latest["month"])
    used, assessed = int(latest["used"]), int(latest["assessed"])
    fired, low, high = below_beyond_chance(used, assessed, rule.threshold)
    verdict = (f"below the alert's {rule.threshold:g}% beyond chance (the 95% interval lies below it)" if fired
               else f"not clearly below the alert's {rule.threshold:g}%")
    text = (f"Adoption of {label} on upset calls, {scope}, {month}: "
            f"{formats.rate_of(used, assessed, 'upset calls assessed')}, 95% CI {formats.percent(low)} to "
            f"{formats.percent(high)}: {verdict}.")
    return Finding(rule.name, fired, pd.Timestamp(latest["month"]).strftime("%Y-%m"), text)


def _read(db: str | Path, name: str, params: dict | None = None) -> pd.DataFrame:
    """Run ``queries/notify/<name>.sql`` read-only; an empty frame when its tables do not exist yet."""
    import duckdb

    from calmline.database.connection import connect
    from calmline.queries import load_sql

    con = connect(db, read_only=True)
    try:
        return con.execute(load_sql(f"notify/{name}"), params or {}).df()
    except duckdb.CatalogException:
        return pd.DataFrame()
    finally:
        con.close()


def effect_changes(changes: pd.DataFrame, alpha: float = ALPHA) -> pd.DataFrame:
    """The practices whose effect changed between two runs: those significant (p < ``alpha``) in
    either run whose estimate changed sign, and those significant before and not now.

    Parameters
    ----------
    changes : pandas.DataFrame
        ``queries/notify/effect_changes.sql``: estimate, p_value, previous_estimate,
        previous_p_value per practice.
    alpha : float
        Significance level.

    Returns
    -------
    pandas.DataFrame
        The rows that changed, with a ``change`` column: "changed sign" or "lost significance".
        A sign flip of two estimates that were never significant is noise and is not listed.
    """
    if changes.empty:
        return changes.assign(change=pd.Series(dtype=str))
    now_sig = changes["p_value"] < alpha
    before_sig = changes["previous_p_value"] < alpha
    flipped = (changes["estimate"] * changes["previous_estimate"]) < 0
    sign = flipped & (now_sig | before_sig)
    lost = before_sig & ~now_sig & ~sign
    out = changes[sign | lost].copy()
    out["change"] = ["changed sign" if s else "lost significance" for s in sign[sign | lost]]
    return out


def _effects(rule: Rule, db) -> list[Finding]:
    from calmline.dashboard import formats

    rows = _read(db, "effect_changes", {"horizon": rule.horizon, "method": rule.method})
    if rule.practice is not None and len(rows):
        rows = rows[rows["practice"] == rule.practice]
    what = f"{rule.method} effects on churn within {rule.horizon} days"
    if rows.empty:
        return [Finding(rule.name, False, "", f"{what}: fewer than two model runs to compare")]
    period = f"run {int(rows['previous_run_id'].iloc[0])} to {int(rows['run_id'].iloc[0])}"
    changed = effect_changes(rows)
    if changed.empty:
        return [Finding(rule.name, False, period, f"{what}: no practice changed sign or lost significance "
                                                  f"between model runs {int(rows['previous_run_id'].iloc[0])} "
                                                  f"and {int(rows['run_id'].iloc[0])}")]
    findings = []
    for r in changed.itertuples():
        def shown(est, lo, hi, p):
            return (f"{formats.points(est).replace('pp', 'points')} ({formats.interval_points(lo, hi)}, "
                    f"{formats.p_value(p)})")
        text = (f"{vocabulary.label(r.practice)}: its {what} {r.change} between model runs "
                f"{int(r.previous_run_id)} and {int(r.run_id)}: "
                f"{shown(r.previous_estimate, r.previous_ci_low, r.previous_ci_high, r.previous_p_value)} before, "
                f"{shown(r.estimate, r.ci_low, r.ci_high, r.p_value)} now.")
        findings.append(Finding(rule.name, True, f"{period}: {r.practice}", text))
    return findings


def _rejected(rule: Rule, db) -> Finding:
    from calmline.dashboard import formats

    load = _read(db, "latest_load")
    if load.empty:
        return Finding(rule.name, False, "", "no load yet")
    row = load.iloc[0]
    rejected, read = int(row["rows_rejected"]), int(row["rows_read"])
    fired = rejected > rule.threshold
    text = (f"The latest load (batch {int(row['batch_id'])}, {int(row['files'])} files) rejected "
            f"{formats.count(rejected)} of {formats.count(read)} rows read"
            + (f", more than the alert's {rule.threshold:,.0f}" if fired else
               f", not more than the alert's {rule.threshold:,.0f}")
            + "; the Data health page lists each with its reason.")
    return Finding(rule.name, fired, f"load {int(row['batch_id'])}", text)


def _age(rule: Rule, db, today: date) -> Finding:
    age = _read(db, "data_age", {"today": today})
    if age.empty:
        return Finding(rule.name, False, "", "no load yet")
    row = age.iloc[0]
    days, as_of = int(row["age_days"]), pd.Timestamp(row["as_of"]).strftime("%Y-%m-%d")
    fired = days > rule.threshold
    text = (f"The data is as of {as_of}, {days:,} days before {today.isoformat()}"
            + (f": older than the alert's {rule.threshold:,.0f} days; is the export or the load running?"
               if fired else f", within the alert's {rule.threshold:,.0f} days."))
    return Finding(rule.name, fired, f"as of {as_of}", text)
