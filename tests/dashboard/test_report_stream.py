"""The HTML reports made with less CPU and streamed (#12, Pages): the charts are written from a
dict (:func:`report_page.print_dict`) with plotly.js put in from one copy a process, and the route
sends a report in pieces around that copy. The documents are what they were: the same HTML, the
same figure JSON once parsed (plotly orders some keys otherwise), byte for byte what
``html_report.report_for`` writes."""

from __future__ import annotations

import itertools
import json
import re

import pytest

STAMP = re.compile(r"<small>Made \d{4}-\d\d-\d\d \d\d:\d\d UTC</small>")


@pytest.fixture
def fixed_ids(monkeypatch):
    """plotly's div ids (uuid4) numbered from 1 again each time ``restart()`` is called."""
    import plotly.io._html as plotly_html

    state = {}

    def restart():
        state["ids"] = (f"div-{i}" for i in itertools.count(1))

    restart()
    monkeypatch.setattr(plotly_html.uuid, "uuid4", lambda: next(state["ids"]))
    return restart


def _before(figures, with_plotlyjs=True):
    """report_page.charts as it was (each figure validated again, then plotly's to_html)."""
    from calmline.dashboard import report_page

    return "".join(report_page.for_print(fig).to_html(full_html=False, include_plotlyjs=with_plotlyjs and i == 0,
                                                      default_width="100%")
                   for i, fig in enumerate(figures))


def _overview_figures():
    from calmline.dashboard.figures.style import empty_figure
    from calmline.dashboard.pages import overview

    figures = [empty_figure("nothing here", "A title")]
    for chosen in ({}, {"start": "2025-03", "end": "2025-06"}, {"teams": ["leeds-1"], "anger": ["5"]}):
        shown, director = overview.update(chosen), overview.update_director(chosen)
        figures += [shown[1], shown[2], shown[5], director[3]]
    return figures


def test_the_charts_are_the_html_they_were(app, fixed_ids):
    from plotly.io.json import to_json_plotly

    from calmline.dashboard import report_page

    with app.server.test_request_context("/"):
        figures = _overview_figures()
        for with_plotlyjs in (True, False):
            fixed_ids()
            want = _before(figures, with_plotlyjs)
            fixed_ids()
            got = report_page.charts(figures, with_plotlyjs)
            for fig in figures:  # the same JSON, once parsed; then the same text around it
                new, old = report_page.print_dict(fig), report_page.for_print(fig).to_dict()
                assert json.loads(to_json_plotly(new)) == json.loads(to_json_plotly(old))
                for part in ("data", "layout"):
                    got = got.replace(to_json_plotly(new.get(part, {})), to_json_plotly(old.get(part, {})), 1)
            assert got == want
            assert (report_page.plotlyjs() in got) == with_plotlyjs and got.count("<script>") >= len(figures)


@pytest.mark.parametrize("search", ["", "?anger=5&start=2025-03", "?page=impact", "?page=training&horizon=90"])
def test_the_streamed_report_is_the_report_byte_for_byte(app, fixed_ids, search):
    from calmline.dashboard import data, html_report, report_route

    client = app.server.test_client()
    data.clear_caches()
    fixed_ids()
    response = client.get(f"/report.html{search}")
    assert response.status_code == 200 and response.is_streamed
    body = response.get_data()
    assert int(response.headers["Content-Length"]) == len(body)
    data.clear_caches()
    fixed_ids()
    with app.server.test_request_context(f"/report.html{search}"):
        chosen, problems = report_route.requested(search)
        page, horizon = report_route.report_of(search)
        want = html_report.report_for(chosen, page, horizon)
    assert not problems
    assert STAMP.sub("", body.decode("utf-8")) == STAMP.sub("", want)
    assert len(body) > 4_000_000  # plotly.js is in it


def test_a_report_without_charts_is_kept_whole(app, monkeypatch):
    from calmline.dashboard import data, html_report

    data.clear_caches()
    monkeypatch.setattr(html_report, "report_for", lambda chosen, page="overview", horizon=None:
                        "<small>Made 2020-01-01 00:00 UTC</small> no charts")
    response = app.server.test_client().get("/report.html?anger=4")
    assert response.get_data(as_text=True).endswith(" no charts")
    assert int(response.headers["Content-Length"]) == len(response.get_data())
    data.clear_caches()


def test_the_report_draws_the_charts_the_page_drew_for_the_same_filters(app, monkeypatch):
    """The overview's charts are kept with its numbers: a report after the page (same filters) draws
    none again, and shows the page's figures."""
    from calmline.dashboard import data, overview_figures, report_page
    from calmline.dashboard.pages import overview

    data.clear_caches()
    drawn = []
    for name in ("churn_trend", "adoption_small_multiples", "team_bars", "kpi_trends"):
        original = getattr(overview_figures, name)
        monkeypatch.setattr(overview_figures, name,
                            lambda *a, _name=name, _original=original, **k: drawn.append(_name) or _original(*a, **k))
    chosen = {"anger": ["4", "5"]}
    with app.server.test_request_context("/"):
        shown = overview.update(chosen)
        page = [shown[1], shown[2], shown[5], overview.update_director(chosen)[3]]
        before = len(drawn)
        printed = []
        monkeypatch.setattr(report_page, "charts", lambda figures, with_plotlyjs=True: printed.extend(figures) or "")
        app.server.test_client().get("/report.html?anger=4&anger=5")
    assert before == 4 and len(drawn) == before
    assert printed == page and all(a is b for a, b in zip(printed, page))
    assert overview_figures.ADOPTION_TITLE == overview.ADOPTION_TITLE
    data.clear_caches()


@pytest.mark.parametrize("page", ["impact", "training"])
def test_no_horizon_and_the_default_horizon_are_the_same_report(app, fixed_ids, page):
    """Why the route keeps one report for both (report_route._shown_run)."""
    from calmline.dashboard import data, horizons, html_report

    with app.server.test_request_context("/"):
        default = int(horizons.run_of(None)["horizon_days"])
        made = []
        for horizon in (None, default):
            data.clear_caches()
            fixed_ids()
            made.append(STAMP.sub("", html_report.report_for({"anger": ["5"]}, page, horizon)))
    assert made[0] == made[1] and len(made[0]) > 100_000
