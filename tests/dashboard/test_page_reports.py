"""The reports of Practice impact and Training priorities (#14), as HTML through the report route:
the filters, the centre-wide notice and the model run; the same numbers as the pages, read through
the functions the pages use; an unknown page refused; the pages' download buttons carrying the
filters and the horizon. HTML only (no Chromium): the PDFs are in tests/notify/*browser*."""

from __future__ import annotations

import html
import re

import pytest


def _words(page: str) -> str:
    body = re.sub(r"<script.*?</script>", "", page, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _a_team(app) -> str:
    from calmline.dashboard import data

    with app.server.app_context():
        options = data.frame("filter_options")
    return options.loc[options["filter"] == "team", "value"].iloc[0]


def _find(node, ident):
    if getattr(node, "id", None) == ident:
        return node
    children = getattr(node, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found = _find(child, ident)
            if found is not None:
                return found
    return None


def test_the_impact_report_has_the_pages_headline_numbers_the_filters_and_the_run(app):
    from calmline.dashboard import (
        filtered_estimates,
        filters,
        formats,
        horizons,
        practice_headline,
    )
    from calmline.dashboard.figures import forest_plot

    team = _a_team(app)
    answer = app.server.test_client().get(f"/report.html?page=impact&teams={team}&anger=5")
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == 'attachment; filename="calmline-impact.html"'
    words = _words(answer.get_data(as_text=True))
    assert f"Filters: Team: {team}; Anger level: 5" in words
    notice = filters.not_applied_text("Centre-wide model results", {"teams": [team], "anger": ["5"]}).children
    assert notice in words  # as the page says it: the estimates are centre-wide
    run = horizons.run_of(None)
    effects = horizons.run_rows("practice_effects", run)
    assert f"Model run used: run #{int(run['run_id'])}" in words
    assert (f"fitted on {int(run['n_calls']):,} upset calls ({int(run['n_events']):,} churned within "
            f"{int(run['horizon_days'])} days)") in words, "calls counted as calls, as on the page"
    assert f"centre-wide, from stored model run #{int(run['run_id'])}" in words
    head = practice_headline.headline_effects(effects)
    assert len(head) == effects["practice"].nunique() and head["estimate"].notna().any()
    table = practice_headline.headline_table(effects, int(run["horizon_days"]))
    for row in table.itertuples(index=False):  # every practice: estimate, interval and n, in one row
        assert " ".join(str(v) for v in row[:4]) in words, row
    forest = forest_plot(effects, horizon_days=int(run["horizon_days"]),
                         sensitivity=horizons.run_rows("practice_sensitivity", run))
    [aipw] = [t for t in forest.data if t.name == "AIPW (total)"]
    shown = " ".join(aipw.hovertext)
    for _, row in head[(head["method"] == "aipw") & (head["effect"] == "total")].iterrows():
        assert f"AIPW (total): {formats.points(row['estimate'])}" in shown  # the page's own hover says the same
        assert formats.points(row["estimate"]) in words
    chosen = {"teams": [team], "anger": ["5"]}
    found = filtered_estimates.estimate(filters.params(chosen), run, effects)  # what the page's button gives
    assert f"Estimates for this filter {found.refusal or filtered_estimates.summary(found, run)}" in words
    assert "The playbooks disagree" in words and "What the data cannot rule out" in words
    assert "Upset call" in words and "95% CI, n and q-value" in words and "Key assumption" in words


def test_the_training_report_prints_the_pages_tables_as_the_grids_show_them(app):
    from calmline.dashboard.pages import training

    answer = app.server.test_client().get("/report.html?page=training")
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == 'attachment; filename="calmline-training.html"'
    page = answer.get_data(as_text=True)
    words = _words(page)
    assert "Filters: all calls (no filters)" in words
    ranking, queue, _, _ = training.queue("all", None)
    assert ranking and ranking in words
    _, _, _, cards, *_ = training.update("all", None)
    assert queue and cards
    first = queue[0]  # the grid shows kept per month as d3 '.2f', adoption as '.1%'
    assert (f"{first['queue_rank']} {first['agent_id']} {first['team']} {first['upset_calls_link'].split('](')[0][1:]}"
            in words)
    assert f"{first['kept_per_month']:.2f} {first['ci_low']:.2f} {first['ci_high']:.2f}" in words
    assert f"{first['adoption']:.1%}" in words
    agents = {row["agent_id"] for row in cards}
    assert all(page.count(f"<td>{agent}</td>") >= 1 for agent in agents)  # every agent's scorecard, all pages
    assert "<thead>" in page and "thead{display:table-header-group}" in page  # header repeated on printed pages
    assert "Customers kept per month" in words and "Did training work?" in words


@pytest.mark.parametrize("search", ["page=impacts", "page=overview&page=impact", "page=%3Cb%3E"])
def test_an_unknown_page_is_refused_with_a_400_naming_the_pages(app, search):
    for route in ("/report.html?", "/report.pdf?"):
        answer = app.server.test_client().get(route + search)
        text = answer.get_data(as_text=True)
        assert answer.status_code == 400 and "Content-Disposition" not in answer.headers
        assert "there is no report of page" in text and "overview, impact, training" in text
        assert answer.mimetype == "text/plain"


@pytest.mark.parametrize("name", ["impact", "training"])
def test_the_model_pages_download_buttons_carry_the_filters_and_the_horizon(app, name):
    import importlib

    page = importlib.import_module(f"calmline.dashboard.pages.{name}")
    team = _a_team(app)
    layout = page.layout()
    html_button, pdf_button = _find(layout, f"{name}-report-button"), _find(layout, f"{name}-pdf-button")
    assert html_button.children == "Download HTML report" and pdf_button.children == "Download PDF"
    assert html_button.external_link and pdf_button.external_link
    html_link, pdf_link = page.report_links({"teams": [team], "anger": ["5"]}, "?horizon=90")
    assert html_link == f"/report.html?teams={team}&anger=5&page={name}&horizon=90"
    assert pdf_link == f"/report.pdf?teams={team}&anger=5&page={name}&horizon=90"
    answer = app.server.test_client().get(html_link)
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == f'attachment; filename="calmline-{name}.html"'
    assert f"Filters: Team: {team}" in _words(answer.get_data(as_text=True))


def test_every_pdf_page_header_names_the_filters_data_period_and_the_pages_run(fitted_sample_db):
    from calmline.dashboard import horizons

    from calmline.notify.report_file import page_header
    from tests.conftest import query

    as_of = query(fitted_sample_db, "SELECT as_of FROM etl_state")[0][0]
    for name in ("impact", "training"):
        lines = page_header(fitted_sample_db, {"anger": ["5"]}, name)
        run = horizons.run_of(None)
        assert lines[0] == f"calmline {name}. Filters: Anger level: 5"
        assert lines[1].startswith(f"Data as of {as_of.isoformat()}; calls ")
        assert lines[2].startswith(f"Model run #{int(run['run_id'])} (churn within {int(run['horizon_days'])} days")
        assert lines[2].endswith("; centre-wide")


def test_the_model_pages_reports_show_the_run_of_the_horizon_asked_for(multi_horizon_db):
    from calmline.dashboard.app import Settings, create_app

    from tests.conftest import query

    runs = dict(query(multi_horizon_db, "SELECT horizon_days, max(run_id) FROM model_runs GROUP BY ALL"))
    assert set(runs) >= {30, 90}
    client = create_app(Settings(db=multi_horizon_db)).server.test_client()
    for search, days in (("page=impact&horizon=30", 30), ("page=impact", 90), ("page=training&horizon=30", 30)):
        words = _words(client.get("/report.html?" + search).get_data(as_text=True))
        assert f"Model run used: run #{runs[days]}, made " in words and f"churn within {days} days" in words
        title = "Practice impact on" if "impact" in search else "Training priorities for"
        assert f"{title} churn within {days} days" in words, search
