"""The overview's report: the Overview page as one self-contained HTML document a director can
e-mail (plotly.js inlined).

Every number comes from :func:`calmline.dashboard.overview_numbers.overview_numbers` and its
wording helpers, as on the page: formatted with its unit, under human headers, with the as-of
date, the data period, the filters, the comparison and the model run used
(:mod:`calmline.dashboard.report_page` puts them in the document all reports share).
"""

from __future__ import annotations

import html

import pandas as pd
from calmline.dashboard import data, filters, formats, overview_figures, overview_numbers, report_page

from calmline import vocabulary

FILENAME = "calmline-overview.html"
"""The name the report is downloaded as."""
ADOPTION_TITLE = overview_figures.ADOPTION_TITLE
"""The adoption chart's title, on the page and in the report."""

COLUMN_HEADERS = {
    "team": "Team", "site": "Site", "agents": "Agents", "agent_id": "Agent", "upset_calls": "Upset calls",
    "churn_upset": "Churn within 90 days (% of upset calls whose 90 days have passed)",
    "churn_ci_low": "Churn: 95% CI low", "churn_ci_high": "Churn: 95% CI high",
    "closed_90d": "Upset calls whose 90 days have passed", "churned_90d": "Of those, churned within 90 days",
    "took_ownership": "Took ownership (% of assessed upset calls)",
    "followed_up": "Followed up within 30 days (% of upset calls)",
}
"""The headers of the team and agent tables' columns, on the Overview page and in the report (a grid's
CSV export keeps the column names)."""
TEAM_COLUMNS = ("team", "site", "agents", "upset_calls", "churn_upset", "churn_ci_low", "churn_ci_high",
                "closed_90d", "churned_90d", "took_ownership", "followed_up")
"""The team table's columns, in order: the churn rate beside its interval, n and count (the report
prints the interval in the rate's cell)."""
AGENT_COLUMNS = ("agent_id", "upset_calls", "churn_upset", "churn_ci_low", "churn_ci_high", "closed_90d",
                 "churned_90d", "took_ownership", "followed_up")
"""The agents' table's columns (the Overview's drill-down from a team), in order."""


def team_table(teams: pd.DataFrame) -> pd.DataFrame:
    """The team table as people read it: human headers, percent and counts formatted, n beside each rate,
    and the churn rate's Wilson 95% interval."""
    if teams.empty:
        return pd.DataFrame()
    out = pd.DataFrame()
    low = high = None
    if {"closed_90d", "churned_90d"} <= set(teams.columns):
        interval = overview_numbers.with_churn_interval(teams)
        low, high = interval["churn_ci_low"], interval["churn_ci_high"]
    for column in TEAM_COLUMNS:
        if column not in teams or column.startswith("churn_ci_"):
            continue
        header = COLUMN_HEADERS[column]
        values = teams[column]
        if column in ("churn_upset", "took_ownership", "followed_up"):
            shown = values.map(formats.percent)
            if column == "churn_upset" and low is not None:
                shown = [f"{v} (95% CI {formats.percent(lo)} to {formats.percent(hi)})" if not formats.is_missing(lo)
                         else v for v, lo, hi in zip(shown, low, high)]
            out[header] = shown
        elif column in ("agents", "upset_calls", "closed_90d", "churned_90d"):
            out[header] = values.map(formats.count)
        else:
            out[header] = values.fillna(formats.MISSING).astype(str)
    return out


DEFINITIONS_TITLE = "How to read this"
"""The definitions' heading, on the Overview page and in the report."""


def definitions() -> list[tuple[str, str]]:
    """What a reader needs to read the overview: the words as the page and the report print them.

    Built from :mod:`calmline.vocabulary` (the upset threshold, the headline horizon, the anger
    scale) and the page's own notes (:data:`calmline.dashboard.overview_numbers.COMPARISON_NOTE`),
    so a change there changes the page and every report alike.

    Returns
    -------
    list of (str, str)
        (term, definition) pairs, plain text.
    """
    horizon = overview_numbers.HORIZON
    upset = (f"a call whose anger level (1 calm to 5 irate, as scored for the call) is "
             f"{vocabulary.UPSET_ANGER} or more; every other call is calm.")
    churn = (f"the customer left within {horizon} days after the call. A rate is the share of upset calls "
             f"(% of calls) whose {horizon} days have passed by the data's as-of date; calls whose {horizon} "
             f"days are still open are counted as upset calls but not in the rate.")
    units = ("counts marked 'customers' count each customer once, however many upset calls they had; "
             "every other count is of calls.")
    estimate = ("the practice gap's cost is a model estimate from the newest model run: what would change if "
                "adoption rose, comparing calls in the same situation. The 95% confidence interval (95% CI) is "
                "the range the data cannot rule out; n is the number of calls or customers a number rests on. "
                f"A monthly or team rate resting on fewer than {overview_numbers.MIN_N} calls whose {horizon} "
                "days have passed is marked as resting on few calls.")
    return [("Upset call", upset), (f"Churn within {horizon} days", churn), ("Customers", units),
            ("Differences", overview_numbers.COMPARISON_NOTE), ("Estimate and interval", estimate)]


def context_lines(o: overview_numbers.Overview) -> list[str]:
    """As-of date, data period, period shown and model run, in words."""
    fresh = report_page.data_line(o.freshness)
    lines = [fresh] if fresh else []
    if o.period:
        lines.append(f"Period shown: {o.period}.")
    if o.gap is not None:
        lines.append(f"Model run used (practice gap): run #{o.gap['run_id']}, "
                     f"made {report_page.day(o.gap['created_at'])}, churn within {o.gap['horizon']} days; centre-wide, the filters do not apply to it.")
    else:
        lines.append("Model run used: none yet (run `calmline fit` for the practice gap's cost).")
    return lines


def overview_report(chosen: dict | None, numbers: overview_numbers.Overview, figures: list) -> str:
    """The overview page as a standalone HTML document.

    Parameters
    ----------
    chosen : dict or None
        The active filters, as the filter store holds them.
    numbers : Overview
        :func:`calmline.dashboard.overview_numbers.overview_numbers` for those filters, the same the
        page shows.
    figures : list of plotly.graph_objects.Figure or calmline.dashboard.figures.style.PlainFigure
        The page's charts, in order (anything with the figure's ``to_dict()``).

    Returns
    -------
    str
        One HTML document: filters, as-of date and data period, the model run, headline cards with
        their context, the comparison, the early signal, revenue at risk and KPIs, charts, teams,
        and the definitions a reader needs (:func:`definitions`).
    """
    o = numbers
    headline = overview_numbers.headline_cards(o)
    compared = [overview_numbers.comparison_text(c) for c in o.comparisons]
    early = overview_numbers.early_table(o)
    director = overview_numbers.director_cards(o)
    comparison = ""
    if compared:
        items = "".join(f'<li><span class="v {html.escape(c["verdict"].replace(" ", "-"))}">'
                        f'{html.escape(c["verdict"] or "no data")}</span> <b>{html.escape(c["label"])}:</b> '
                        f'{html.escape(c["text"])}</li>' for c in compared)
        comparison = (f"<h2>{html.escape(overview_numbers.comparison_title(o))}</h2><ul>{items}</ul>"
                      f"<p><small>{html.escape(overview_numbers.COMPARISON_NOTE)}</small></p>")
    early_html = (f"<h2>{html.escape(overview_numbers.EARLY_TITLE)}</h2>{report_page.table(early)}"
                  f"<p><small>{html.escape(overview_numbers.EARLY_NOTE)}</small></p>") if len(early) else ""
    body = f"""<div class="cards">{report_page.cards(headline) if headline else '<p>No calls match these filters.</p>'}</div>
{comparison}
{early_html}
<h2>Revenue at risk and contact-centre KPIs</h2>
<div class="cards">{report_page.cards(director)}</div>
{report_page.charts(figures)}
<h2>Teams</h2>{report_page.table(team_table(o.teams))}
{report_page.definitions_html(DEFINITIONS_TITLE, definitions())}"""
    return report_page.document("overview", chosen, context_lines(o), body)


def report_for(chosen: dict | None) -> str:
    """The overview report for the filters ``chosen``, with the page's numbers and charts.

    Parameters
    ----------
    chosen : dict or None
        The filters as the filter store holds them (``{"teams": ["leeds-1"], "anger": ["5"]}``);
        values the database does not offer are left out, as on the page (see
        :func:`calmline.dashboard.filters.bound`).

    Returns
    -------
    str
        :func:`overview_report` for those filters: the same numbers the Overview shows for them,
        from :func:`calmline.dashboard.overview_numbers.overview_numbers`, and its four charts.
    """
    params = filters.params(chosen)
    numbers = overview_numbers.overview_numbers(params)
    # the page's charts as plain dicts (the report only writes their JSON), made once per filters
    return overview_report(chosen, numbers, overview_figures.for_report(numbers))
