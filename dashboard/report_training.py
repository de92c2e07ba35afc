"""The Training priorities page's report: priorities and adoption gaps, the coaching queue, the agent
scorecards, whether training worked, and adoption by month, from the stored model run the page shows.

Every table and figure is what the page's own callbacks give for all teams
(:mod:`calmline.dashboard.pages.training`: ``describe``, ``update``, ``queue``, ``impact``,
``trend``); the grids print through :func:`calmline.dashboard.report_tables.grid_table`, which
formats each cell as the grid does. Tables run over as many printed pages as they need, their
header repeated on each. The results are centre-wide; with filters set the report says so as the
page does.
"""

from __future__ import annotations

import html

from calmline.dashboard import data, filters, horizons, report_page, report_tables
from calmline.dashboard.figures.effects import horizon_words

from calmline import vocabulary

TITLE = "training priorities"
SCOPE = "Centre-wide model results"
ALL = "all"
"""The page's team choice the report shows: all teams."""
DEFINITIONS_TITLE = "How to read this"


def definitions(horizon_days: int, run) -> list[tuple[str, str]]:
    """What a reader of the training report needs: upset, adoption, customers kept per month and
    their intervals, the training comparison and the model run.

    Parameters
    ----------
    horizon_days : int
        The run's horizon.
    run : pandas.Series or None
        The model run shown, None before the first fit.

    Returns
    -------
    list of (str, str)
    """
    from calmline.dashboard.report_overview import definitions as overview_definitions

    upset = dict(overview_definitions())["Upset call"]
    adoption = ("the share of upset calls on which the agent used the practice, among the upset calls on "
                "which it was assessed (% of calls); an agent's adoption is shrunk towards the practice's norm "
                "when they have few calls, and n is the number of calls assessed.")
    kept = (f"customers kept per month: fewer customers lost to {horizon_words(horizon_days)} each month if "
            "adoption rose to the target (the level of the best quarter of agents), from the practice's "
            "estimated effect and the adoption gap; its 95% interval carries the uncertainty of both.")
    trained = ("the change in trained agents' adoption (and churn) from the 3 months before their module to the "
               "3 months after, minus the change for agents who never took it over the same months, in "
               "percentage points, with a 95% interval clustered by agent.")
    source = ("no model run yet: run `calmline fit`." if run is None else
              f"the priorities, gaps, queue, scorecards and training impact are centre-wide, from stored model "
              f"run #{int(run['run_id'])} made {report_page.day(run['created_at'])}; the report's filters do "
              "not change them.")
    return [("Upset call", upset), ("Adoption", adoption), ("Customers kept per month", kept),
            ("Did training work?", trained), ("Model run", source)]


def words(start: str) -> str:
    """The Training page's own heading or note that starts with ``start`` (its layout's words, so the
    report reads as the page does); ``start`` itself when the page has no such text."""
    from calmline.dashboard.pages import training

    found = _first_text(training.layout(), start)
    return found if found is not None else start


def _first_text(node, start: str) -> str | None:
    if isinstance(node, str):
        return node if node.startswith(start) else None
    children = node if isinstance(node, (list, tuple)) else getattr(node, "children", None)
    if children is None or isinstance(node, (int, float)):
        return None
    for child in children if isinstance(children, (list, tuple)) else [children]:
        found = _first_text(child, start)
        if found is not None:
            return found
    return None


def _grid(title: str, rows: list[dict], columns: list[dict], note: str = "") -> str:
    table = report_tables.grid_table(rows, columns)
    shown = report_page.table(table) if len(table) else "<p>No rows.</p>"
    return (f"<h2>{html.escape(title)}</h2>" + (f'<p class="small">{html.escape(note)}</p>' if note else "")
            + shown)


def report_for(chosen: dict | None, horizon: int | None = None) -> str:
    """The Training priorities report for the filters ``chosen`` and the run of ``horizon`` days.

    Parameters
    ----------
    chosen : dict or None
        The filters as the filter store holds them; the page's results are centre-wide, and the
        report says so when filters are set, as the page does.
    horizon : int, optional
        The horizon whose newest run is shown (the page's default when None or not fitted).

    Returns
    -------
    str
        One HTML document.
    """
    from calmline.dashboard.pages import training

    run = horizons.run_of(horizon)
    days = vocabulary.HEADLINE_HORIZON if run is None else int(run["horizon_days"])
    horizon = None if run is None else days
    title, run_text, intro = training.describe(horizon)
    _, bars, gaps, cards, card_columns, modules, module_columns = training.update(ALL, horizon)
    ranking, queue, queue_columns, team_needs = training.queue(ALL, horizon)
    impact_adoption, impact_churn, impact_rows, impact_columns = training.impact(horizon)
    trend = training.trend(ALL)
    body = "".join([
        report_page.component_html(filters.not_applied_text(SCOPE, chosen)),
        f"<h2>{html.escape(title)}</h2>",
        f'<p class="small text-muted">{html.escape(run_text)}</p>',
        f"<p>{html.escape(intro)}</p>",
        report_page.charts([bars, gaps]),
        f'<p class="small">{html.escape(str(ranking))}</p>',
        report_page.component_html(team_needs),
        _grid(words("Coaching queue"), queue, queue_columns),
        _grid(words("Agent scorecards"), cards, card_columns),
        f"<h2>{html.escape(words('Did training work?'))}</h2>",
        f'<p class="small">{html.escape(words("A difference in differences"))}</p>',
        report_page.charts([impact_adoption, impact_churn], with_plotlyjs=False),
        _grid("Training impact", impact_rows, impact_columns),
        _grid(words("Training completed"), modules, module_columns),
        report_page.charts([trend], with_plotlyjs=False),
        report_page.definitions_html(DEFINITIONS_TITLE, definitions(days, run)),
    ])
    context = [line for line in (report_page.data_line(data.frame("freshness")),) if line]
    return report_page.document(TITLE, chosen, [*context, report_page.run_line(run)], body)


def summary_lines(horizon: int | None = None) -> list[str]:
    """The centre's training priorities as plain-text lines (for a subscription's e-mail): the
    practices ranked by customers kept per month, as the page's ranking note words them."""
    from calmline.dashboard.pages import training

    ranking, *_ = training.queue(ALL, horizon)
    return [report_page.component_text(ranking)]
