"""The overview's four charts for one set of filters, made once and kept with its numbers.

The Overview page's callbacks and its HTML report draw the same four charts (churn trend, adoption
by month, team bars, KPI trends) from the same numbers
(:func:`calmline.dashboard.overview_numbers.overview_numbers`, kept per database version and
filters): each chart is made the first time one of them asks for it and kept with those numbers, so
a report downloaded after the page was seen (or the page after its report) does not draw them
again. The figures are shared: callers must not change them (Dash and the report only read them).
"""

from __future__ import annotations

import plotly.graph_objects as go

from calmline.dashboard import overview_numbers
from calmline.dashboard.figures import churn_trend, kpi_trends, style, team_bars
from calmline.dashboard.figures.training import adoption_small_multiples

ADOPTION_TITLE = "Adoption by month (share of assessed upset calls)"
"""The adoption chart's title, on the page and in the report."""


def churn(numbers: overview_numbers.Overview) -> go.Figure:
    """Churn within 90 days after upset calls, month by month."""
    return numbers.kept("figure: churn", lambda: churn_trend(numbers.rates, overview_numbers.MIN_N))


def adoption(numbers: overview_numbers.Overview) -> go.Figure:
    """The practices' adoption over the period, one small panel each."""
    return numbers.kept("figure: adoption", lambda: adoption_small_multiples(
        overview_numbers.period_adoption(numbers), title=ADOPTION_TITLE))


def teams(numbers: overview_numbers.Overview) -> go.Figure:
    """The teams' churn rates as bars."""
    return numbers.kept("figure: teams", lambda: team_bars(numbers.teams, overview_numbers.MIN_N))


def kpis(numbers: overview_numbers.Overview) -> go.Figure:
    """The contact-centre KPIs, month by month."""
    return numbers.kept("figure: kpis", lambda: kpi_trends(numbers.rates, overview_numbers.MIN_N))


def all_four(numbers: overview_numbers.Overview) -> list[go.Figure]:
    """The four charts in the order the page and the report show them."""
    return [churn(numbers), adoption(numbers), teams(numbers), kpis(numbers)]


def for_report(numbers: overview_numbers.Overview) -> list:
    """The four charts as the HTML report writes them: the page's figures when the page has drawn
    them for these numbers already, else each a :class:`calmline.dashboard.figures.style.PlainFigure`
    (the figure's dicts, no plotly objects: the report only writes their JSON, the same as the
    page's figure's once parsed, tested), made once per numbers and kept with them apart from the
    page's. ~38 -> ~21 ms of CPU for the four charts and their JSON at 2M calls."""
    makers = {"churn": churn, "adoption": adoption, "teams": teams, "kpis": kpis}

    def plain(make):
        with style.plain_figures():
            return make(_Unkept(numbers))

    return [numbers.kept_already(f"figure: {name}")
            or numbers.kept(f"plain figure: {name}", lambda make=make: plain(make)) for name, make in makers.items()]


class _Unkept:
    """``numbers`` whose :meth:`kept` makes without keeping (the figure makers above keep what they
    make under the page's names; the report's plain figures are kept under their own)."""

    def __init__(self, numbers: overview_numbers.Overview) -> None:
        self._numbers = numbers

    def __getattr__(self, name):
        return getattr(self._numbers, name)

    def kept(self, name: str, make):
        return make()
