"""The dashboard's reports, one per page, each one self-contained HTML file a director can e-mail
(plotly.js inlined): :func:`report_for` makes the report of a page.

- ``overview``: :mod:`calmline.dashboard.report_overview`;
- ``impact``: :mod:`calmline.dashboard.report_impact` (Practice impact);
- ``training``: :mod:`calmline.dashboard.report_training` (Training priorities).

What every report shares (the filters, the data period, the as-of date and the model run at the
top; tables, figures, escaping) is in :mod:`calmline.dashboard.report_page`. The overview's names
are kept here too, for the modules that used them before the reports were split.
"""

from __future__ import annotations

from calmline.dashboard import report_impact, report_overview, report_training
from calmline.dashboard.report_overview import (
    ADOPTION_TITLE,
    AGENT_COLUMNS,
    COLUMN_HEADERS,
    DEFINITIONS_TITLE,
    FILENAME,
    TEAM_COLUMNS,
    context_lines,
    definitions,
    overview_report,
    team_table,
)
from calmline.dashboard.report_page import describe_filters

OVERVIEW = "overview"
PAGES = (OVERVIEW, "impact", "training")
"""The pages there is a report of, as ``calmline report --page`` and ``/report.html?page=`` name them."""

__all__ = ["ADOPTION_TITLE", "AGENT_COLUMNS", "COLUMN_HEADERS", "DEFINITIONS_TITLE", "FILENAME", "OVERVIEW", "PAGES",
           "TEAM_COLUMNS", "context_lines", "definitions", "describe_filters", "filename", "overview_report",
           "report_for", "team_table"]


def filename(page: str = OVERVIEW) -> str:
    """The name ``page``'s HTML report is downloaded as: ``calmline-impact.html``."""
    return FILENAME if page == OVERVIEW else f"calmline-{page}.html"


def report_for(chosen: dict | None, page: str = OVERVIEW, horizon: int | None = None) -> str:
    """The report of ``page`` for the filters ``chosen``, with the page's numbers and figures.

    Parameters
    ----------
    chosen : dict or None
        The filters as the filter store holds them (``{"teams": ["leeds-1"], "anger": ["5"]}``);
        values the database does not offer are left out, as on the pages.
    page : str
        One of :data:`PAGES`.
    horizon : int, optional
        For the model pages (impact, training): the horizon whose newest run is shown, as their
        horizon selector chooses it (the default horizon's run when None or not fitted).

    Returns
    -------
    str
        One HTML document.

    Raises
    ------
    ValueError
        For a page not in :data:`PAGES`.
    """
    if page == OVERVIEW:
        return report_overview.report_for(chosen)
    if page == "impact":
        return report_impact.report_for(chosen, horizon)
    if page == "training":
        return report_training.report_for(chosen, horizon)
    raise ValueError(f"there is no report of page {page!r}; the pages are {', '.join(PAGES)}")
