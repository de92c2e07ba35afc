"""`calmline fit` stores the sensitivity checks and the co-practice balance of every practice."""

from __future__ import annotations

from calmline import vocabulary
from tests.conftest import query


def test_every_practice_gets_its_sensitivity_checks_stored(fitted_sample_db):
    rows = query(fitted_sample_db,
                 "SELECT s.practice, s.effect, s.estimate, e.estimate, s.e_value, s.e_value_ci, s.rv, s.rv_alpha, "
                 "s.benchmark, s.within_estimate, s.within_disagrees, s.reading "
                 "FROM practice_sensitivity s JOIN practice_effects e ON e.run_id = s.run_id "
                 "AND e.practice = s.practice AND e.effect = s.effect AND e.method = s.method "
                 "AND e.scale = 'risk_difference'")
    assert {r[0] for r in rows} == set(vocabulary.practice_names())
    assert len(rows) == len(vocabulary.practice_names()), "one row per practice and effect"
    after = {p.name for p in vocabulary.PRACTICES if p.after_call}
    for practice, effect, est, main, e, e_ci, rv, rv_alpha, benchmark, within, flag, reading in rows:
        assert effect == ("landmark" if practice in after else "total")
        assert est == main, "the estimate checked is the one practice_effects shows"
        assert e >= e_ci >= 1 and 0 <= rv_alpha <= rv < 1
        assert benchmark in {"anger_level", "issue_type", "channel", "plan", "region", "call_month", "wait_s",
                             "tenure_days", "monthly_value", "minutes_since_prev_upset",
                             "prior_upset_calls_90d", "repeat_contact_30d"}
        assert within is not None and flag in (True, False)
        assert reading.startswith(f"{est * 100:+.1f} pp") and "Within the same agent" in reading


def test_balance_covers_the_co_practices_and_the_specification_states_the_assumption(fitted_sample_db):
    kinds = dict(query(fitted_sample_db, "SELECT kind, count(DISTINCT covariate) FROM practice_balance GROUP BY kind"))
    assert kinds["practice"] >= len(vocabulary.practice_names()) - 2 and kinds["covariate"] > 10
    co = query(fitted_sample_db, "SELECT DISTINCT covariate FROM practice_balance WHERE practice = 'empathized' "
                                 "AND kind = 'practice'")
    assert ("apologized",) in co and ("empathized",) not in co and ("followed_up",) not in co
    (spec,), = query(fitted_sample_db, "SELECT specification FROM model_runs ORDER BY run_id LIMIT 1")
    assert "assumes no unrecorded trait of the agent or the customer drives both the practice and churn" in spec
    assert "the customer's upset calls in the 90 days before" in spec


def test_no_nan_or_infinity_is_stored(fitted_sample_db):
    """A number the data cannot support is NULL, never NaN (as every result table)."""
    columns = [c for (c, t) in query(fitted_sample_db, "SELECT column_name, data_type FROM information_schema.columns "
                                                       "WHERE table_name = 'practice_sensitivity'") if t == "DOUBLE"]
    assert len(columns) > 15
    for column in columns:
        assert query(fitted_sample_db, f"SELECT count(*) FROM practice_sensitivity WHERE isnan({column}) "
                                       f"OR isinf({column})") == [(0,)], column
