"""GET /report.pdf (#14): the Overview's "Download PDF" is the file ``calmline report --out x.pdf``
writes for the same filters (one code path), served as an attachment. One PDF render (starts
Chromium), so it runs in the browser xdist group (the file name says "browser")."""

from __future__ import annotations

import io

import pytest

pytestmark = pytest.mark.xdist_group("browser")


def test_the_pdf_route_serves_the_overview_pdf_with_its_filters_and_numbers(app):
    from calmline.dashboard import data, filters, overview_numbers
    from pypdf import PdfReader

    with app.server.app_context():
        options = data.frame("filter_options")
    team = options.loc[options["filter"] == "team", "value"].iloc[0]
    answer = app.server.test_client().get(f"/report.pdf?teams={team}&anger=5")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="calmline-overview.pdf"'
    pages = [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(answer.data)).pages]
    for page in pages:
        assert f"Filters: Team: {team}; Anger level: 5" in page
    shown = overview_numbers.overview_numbers(filters.params({"teams": [team], "anger": ["5"]}))
    for card in overview_numbers.headline_cards(shown):
        assert " ".join(card["value"].split()) in pages[0], card
