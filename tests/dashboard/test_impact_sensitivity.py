"""Practice impact: the sensitivity checks beside the forest plot, the within-agent series and the
key assumption in "how to read this"."""

from __future__ import annotations

import pandas as pd
import pytest

from calmline import vocabulary


@pytest.fixture(scope="module", autouse=True)
def app(fitted_sample_db):
    """The pages register with an app; this one serves the fitted sample."""
    from calmline.dashboard.app import Settings, create_app

    return create_app(Settings(db=fitted_sample_db))


def _rows():
    base = dict(effect="total", method="aipw", rv=0.05, rv_alpha=0.02, warning=None)
    return pd.DataFrame([
        dict(base, practice="took_ownership", estimate=-0.04, ci_low=-0.06, ci_high=-0.02, e_value=1.9,
             e_value_ci=1.5, benchmark_explains_away=False, within_estimate=-0.035, within_ci_low=-0.05,
             within_ci_high=-0.02, within_disagrees=False, reading="ownership words"),
        dict(base, practice="apologized", estimate=-0.03, ci_low=-0.05, ci_high=-0.01, e_value=1.7,
             e_value_ci=1.2, benchmark_explains_away=True, within_estimate=0.001, within_ci_low=-0.01,
             within_ci_high=0.012, within_disagrees=True, reading="apology words"),
        dict(base, practice="thanked", estimate=0.002, ci_low=-0.02, ci_high=0.025, e_value=1.1,
             e_value_ci=1.0, benchmark_explains_away=None, within_estimate=0.0, within_ci_low=-0.02,
             within_ci_high=0.02, within_disagrees=False, reading="thanks words"),
    ])


def test_the_summary_counts_what_survives_and_names_the_disagreements():
    from calmline.dashboard.pages import impact

    text = impact.sensitivity_summary(_rows())
    assert "Of the 2 practices whose interval excludes no effect, 1 would still do so" in text
    assert "E-values 1.70 to 1.90" in text
    assert "disagrees for Apologized (flagged" in text and "Took ownership" not in text
    assert "run `calmline fit` again" in impact.sensitivity_summary(pd.DataFrame())


def test_the_panel_lists_each_practice_in_the_forest_order_with_its_words_and_flag():
    from calmline.dashboard.pages import impact

    panel = str(impact.sensitivity_panel(_rows()))
    assert impact.ASSUMPTION in panel
    first, second, third = (panel.index(w) for w in ("ownership words", "apology words", "thanks words"))
    assert first < second < third, "most protective first, as the forest plot sorts"
    assert panel.count("within-agent disagrees") == 1


def test_the_forest_plot_draws_the_within_agent_estimates_and_flags_disagreement():
    from calmline.dashboard.figures import forest_plot
    from calmline.dashboard.figures.effects import WITHIN_DISAGREES

    rows = _rows()
    effects = pd.DataFrame([dict(practice=r.practice, method="aipw", effect="total", scale="risk_difference",
                                 estimate=r.estimate, ci_low=r.ci_low, ci_high=r.ci_high, q_value=0.01)
                            for r in rows.itertuples()])
    fig = forest_plot(effects, sensitivity=rows)
    within = next(t for t in fig.data if t.name == "Within agent (agent fixed effects)")
    assert sorted(within.x) == pytest.approx(sorted(rows["within_estimate"] * 100))
    flagged = [h for h in within.hovertext if WITHIN_DISAGREES in h]
    assert len(flagged) == 1 and "Apologized" in flagged[0]
    assert not any(t.name == "Within agent (agent fixed effects)" for t in forest_plot(effects).data)


def test_the_page_shows_the_stored_checks_of_the_run(fitted_sample_db):
    from calmline.dashboard.pages import impact
    from tests.conftest import query

    panel = impact.update_sensitivity(None)
    readings = [r for (r,) in query(fitted_sample_db, "SELECT reading FROM practice_sensitivity")]
    assert len(readings) == len(vocabulary.practice_names())
    assert all(r in str(panel) for r in readings)
    _, _, read = impact.describe(None)
    assert "this assumes no unrecorded trait of the agent or the customer drives both the practice and churn" \
        in str(read) and "would still do so" in str(read)
    forest = impact.update("/impact")[0]
    assert any(t.name == "Within agent (agent fixed effects)" for t in forest.data)
