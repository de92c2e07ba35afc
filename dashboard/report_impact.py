"""The Practice impact page's report: each practice's headline effect on churn with its 95% interval
and n, the page's figures, what the data cannot rule out, the playbooks' disputed points, and the
definitions a reader needs, from the stored model run the page shows.

Built from the page's own pieces (:mod:`calmline.dashboard.pages.impact`'s reading and panels,
:mod:`calmline.dashboard.disputes_panel`, the figures of :mod:`calmline.dashboard.figures`) and
:mod:`calmline.dashboard.practice_headline`, so the report and the page word and format every
number alike. The stored estimates are centre-wide; with filters set the report says so as the page
does, and sets the filter's own estimates beside them as the page's "Estimate for this filter" does
(:mod:`calmline.dashboard.filtered_estimates`), or says why the filtered calls cannot support one.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go
from calmline.analysis.specification import ADJUSTED_FOR
from calmline.dashboard import (
    data,
    disputes_panel,
    filtered_estimates,
    filters,
    grids,
    horizons,
    practice_headline,
    report_page,
    report_tables,
)
from calmline.dashboard.figures import (
    dose_plot,
    forest_plot,
    hazard_plot,
    heterogeneity_heatmap,
    km_plot,
)
from calmline.dashboard.figures.disputes import disputes_plot
from calmline.dashboard.figures.effects import horizon_words

from calmline import vocabulary

TITLE = "practice impact"
SCOPE = "Centre-wide model results"
"""What the page shows instead of filtered numbers (its notice's words)."""
HEADLINE_TITLE = "Each practice's effect on churn (headline estimate)"
DEFINITIONS_TITLE = "How to read this"
KM_PRACTICE = "took_ownership"
"""The practice whose survival curves the page opens with (else the first)."""


def definitions(horizon_days: int, run) -> list[tuple[str, str]]:
    """What a reader of the impact report needs: upset, the estimate, its interval and n, the model
    run, the key assumption; built from the vocabulary and the page's own words.

    Parameters
    ----------
    horizon_days : int
        The run's horizon.
    run : pandas.Series or None
        The model run shown (``fitted_horizons`` row), None before the first fit.

    Returns
    -------
    list of (str, str)
        (term, definition) pairs, plain text.
    """
    from calmline.dashboard.pages import impact
    from calmline.dashboard.report_overview import definitions as overview_definitions

    upset = dict(overview_definitions())["Upset call"]
    outcome = horizon_words(horizon_days)
    estimate = (f"the adjusted difference in {outcome} between upset calls where the agent used the practice "
                f"and upset calls where they did not, in percentage points of upset calls: -2 pp means 2 fewer "
                f"customers lost per 100 upset calls. Adjusted means calls in the same situation "
                f"({', '.join(label for _, label in ADJUSTED_FOR)}) and with the same other practices are "
                "compared. The headline is the AIPW (doubly robust) total effect, else the logit average "
                "marginal effect; for a practice that happens after the call (the follow-up), the estimate "
                f"among customers still with us {vocabulary.FOLLOWUP_WINDOW_DAYS} days on (the landmark).")
    interval = ("the 95% confidence interval (95% CI) is the range of effects the data cannot rule out; an "
                "interval that includes 0 means the data cannot rule out no effect. n is the number of upset "
                "calls with and without the practice the estimate rests on. The q-value is the p-value "
                "adjusted for testing every practice at once (false discovery rate).")
    if run is None:
        source = "no model run yet: run `calmline fit`."
    else:
        source = (f"every estimate is centre-wide, from stored model run #{int(run['run_id'])} made "
                  f"{report_page.day(run['created_at'])} on {int(run['n_calls']):,} upset calls; the report's "
                  "filters do not change it.")
    return [("Upset call", upset), (f"Estimate (change in {outcome})", estimate),
            ("95% CI, n and q-value", interval), ("Model run", source), ("Key assumption", impact.ASSUMPTION)]


FILTER_TITLE = "Estimates for this filter"
"""The heading of the filter's own estimates, as on the page."""


def filtered_section(chosen: dict | None, run, stored) -> str:
    """The filter's own estimates beside the centre-wide run, as the page's "Estimate for this filter"
    shows them (its summary with the n of each side, then its comparison table as the grid formats
    it); why not, when the filtered calls cannot support an estimate; empty without filters or run.

    Parameters
    ----------
    chosen : dict or None
        The report's filters.
    run : pandas.Series or None
        The model run shown.
    stored : DataFrame
        The run's ``practice_effects`` rows.

    Returns
    -------
    str
        HTML, escaped.
    """
    params = filters.params(chosen)
    if run is None or not filtered_estimates.is_filtered(params):
        return ""
    head = f"<h2>{html.escape(FILTER_TITLE)}</h2>"
    try:
        found = filtered_estimates.estimate(params, run, stored)
    except Exception as exc:  # noqa: BLE001 - the centre-wide report is still worth sending
        return head + f'<p class="notice">Not estimated for this filter: {html.escape(str(exc))}</p>'
    if not found.ok:
        return head + f'<p class="notice">{html.escape(found.refusal)}</p>'
    shown = [c for c in filtered_estimates.column_defs() if not c.get("hide")]
    table = report_tables.grid_table(grids.records(filtered_estimates.comparison(found, stored)), shown)
    notes = list(dict.fromkeys(w.split(": ", 1)[-1] for w in found.warnings))
    return (head + f'<p class="small">{html.escape(filtered_estimates.summary(found, run))}</p>'
            + "".join(f'<p class="small text-muted">{html.escape(n)}</p>' for n in notes)
            + report_page.table(table))


def figures(run, horizon_days: int) -> list[go.Figure]:
    """The page's figures for ``run``, in the page's order: forest, hazard ratios, survival curves
    (the page's first practice), dose-response, heterogeneity, disputed points."""
    from calmline.dashboard.pages import impact

    effects = horizons.run_rows("practice_effects", run)
    dose = horizons.run_rows("dose_response", run)
    het = horizons.run_rows("effect_heterogeneity", run)
    practices = sorted(effects["practice"].unique()) if len(effects) else []
    km_practice = KM_PRACTICE if KM_PRACTICE in practices else (practices[0] if practices else None)
    return [forest_plot(effects, horizon_days=horizon_days,
                        sensitivity=horizons.run_rows("practice_sensitivity", run)),
            hazard_plot(effects),
            km_plot(horizons.run_rows("km_curves", run), km_practice,
                    horizon_days=None if run is None else horizon_days),
            *(dose_plot(dose, factor, horizon_days=horizon_days) for factor in impact.DOSE),
            *(heterogeneity_heatmap(het, dimension, horizon_days=horizon_days) for dimension in impact.HET),
            disputes_plot(horizons.run_rows("disputes", run), horizon_days=horizon_days)]


def report_for(chosen: dict | None, horizon: int | None = None) -> str:
    """The Practice impact report for the filters ``chosen`` and the run of ``horizon`` days.

    Parameters
    ----------
    chosen : dict or None
        The filters as the filter store holds them; the estimates are centre-wide, and the report
        says so when filters are set, as the page does.
    horizon : int, optional
        The horizon whose newest run is shown (the page's default when None or not fitted).

    Returns
    -------
    str
        One HTML document.
    """
    from calmline.dashboard.pages import impact

    run = horizons.run_of(horizon)
    days = vocabulary.HEADLINE_HORIZON if run is None else int(run["horizon_days"])
    effects = horizons.run_rows("practice_effects", run)
    notice = report_page.component_html(filters.not_applied_text(SCOPE, chosen))
    warnings = ""
    if run is None:
        warnings = f'<p class="notice">{html.escape(effects.attrs.get("missing", "No model run yet."))}</p>'
    elif len(run["warnings"]):
        warnings = '<div class="notice">' + "".join(f"<div>{html.escape(str(w))}</div>"
                                                      for w in run["warnings"]) + "</div>"
    table = practice_headline.headline_table(effects, days)
    body = "".join([
        notice,
        f"<h2>Practice impact on {html.escape(horizon_words(days))}</h2>",
        f'<p class="small text-muted">{html.escape(horizons.run_summary(run))}</p>',
        warnings,
        f"<h2>{html.escape(HEADLINE_TITLE)}</h2>",
        report_page.table(table) if len(table) else "<p>No practice effects in this run.</p>",
        filtered_section(chosen, run, effects),
        report_page.component_html(impact.how_to_read(days, run)),
        report_page.charts(figures(run, days)),
        report_page.component_html(impact.sensitivity_panel(horizons.run_rows("practice_sensitivity", run))),
        report_page.component_html(disputes_panel.panel(horizons.run_rows("disputes", run), days)),
        report_page.definitions_html(DEFINITIONS_TITLE, definitions(days, run)),
    ])
    context = [line for line in (report_page.data_line(data.frame("freshness")),) if line]
    return report_page.document(TITLE, chosen, [*context, report_page.run_line(run)], body)


def summary_lines(horizon: int | None = None) -> list[str]:
    """The headline estimates as plain-text lines (for a subscription's e-mail), as the table words them."""
    run = horizons.run_of(horizon)
    days = vocabulary.HEADLINE_HORIZON if run is None else int(run["horizon_days"])
    table = practice_headline.headline_table(horizons.run_rows("practice_effects", run), days)
    if table.empty:
        return ["No practice effects in this run."]
    values = table.to_numpy()
    return [f"- {row[0]}: {row[1]} ({row[2]}; n = {row[3]} upset calls with / without)" for row in values]

