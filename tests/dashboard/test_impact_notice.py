"""Practice impact's filter notice (#12): its stored estimates are centre-wide, and "Estimate for this
filter" re-estimates for the filters, so the notice must not say the filters are not used on the page."""

from __future__ import annotations

from calmline.dashboard import filters


def _notice_text(page: str, chosen: dict | None) -> str:
    ident = {"type": filters.NOT_APPLIED, "page": page, "scope": "Centre-wide model results"}
    [content] = filters.notices(chosen, [ident])
    return str(content.children)


def test_practice_impact_says_the_stored_estimates_are_centre_wide_and_names_the_button():
    """Before: "the filters set above (Team: leeds-1) are not applied on this page; they apply to the
    Overview", beside a button that applies them."""
    shown = _notice_text("impact", {"teams": ["leeds-1"], "anger": ["5"]})
    assert "Team: leeds-1; Anger level: 5" in shown
    assert "stored estimates below are for every upset call" in shown
    assert '"Estimate for this filter" re-estimates' in shown
    assert "not applied on this page" not in shown and "apply to the Overview" not in shown
    quiet = str(filters.not_applied("impact", "Centre-wide model results").children.children)
    assert "for every upset call" in quiet and "Estimate for this filter" in quiet
    assert "not applied on this page" not in quiet


def test_pages_without_an_estimate_for_the_filter_keep_saying_not_applied():
    shown = _notice_text("training", {"teams": ["leeds-1"]})
    assert "not applied on this page" in shown and "Estimate for this filter" not in shown
