"""The calls with a transcript as `calmline fit` reads them for the disputed points (#12): call ids as
Arrow strings (runner._dispute_calls, through read_frame) rather than a Python object each. The same
values as DuckDB's df(), and the disputed points' table exactly the same from either."""

from __future__ import annotations

import pandas as pd

from calmline import vocabulary
from calmline.analysis import disputes, runner
from calmline.database.connection import connect
from calmline.queries import load_sql


def test_the_dispute_calls_read_as_arrow_strings_give_the_same_points(sample_db):
    con = connect(sample_db)
    try:
        population = runner.read_frame(con.sql(load_sql("analysis/upset_calls")).order("call_id"))
        arrow = runner._dispute_calls(con)
        objects = con.execute(load_sql("analysis/dispute_calls").replace(
            disputes.MARKER, disputes.select_list())).df()
    finally:
        con.close()
    assert len(arrow) > 1000 and isinstance(arrow["call_id"].dtype, pd.StringDtype)
    pd.testing.assert_frame_equal(arrow.astype({"call_id": object}), objects, check_exact=True)
    practices, _ = runner._recorded(population, list(vocabulary.practice_names()))
    df, _ = runner.in_model(population, practices, 90)
    after = runner._after_call(practices)
    got = disputes.dispute_effects(df, arrow, practices, "churned_90d", after_call=after)
    reference = disputes.dispute_effects(df, objects, practices, "churned_90d", after_call=after)
    assert got[1] == reference[1]
    assert got[0]["estimate_pp"].notna().any()  # points estimated, not all refused
    pd.testing.assert_frame_equal(got[0], reference[0], check_exact=True)
