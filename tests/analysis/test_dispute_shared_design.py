"""The disputed points reuse the horizon's design (``dispute_effects(..., design=)``) when every call
has a transcript: the same rows, bit for bit, as building the linked calls' design again; with a
call missing its transcript (or an after-call practice in the design) the points build their own."""

from __future__ import annotations

import pandas as pd

from calmline.analysis import disputes
from calmline.analysis.design import build
from tests.analysis.frames import PRACTICES
from tests.analysis.test_disputes import EARLY, disputed


def test_the_horizons_design_gives_the_same_rows_and_is_used():
    df, calls, _ = disputed(n=3000, seed=31)
    df["followed_up"] = df.index % 4 == 0  # an after-call practice: in the design, not adjusted for
    practices = PRACTICES + ["followed_up"]
    design = build(df, practices)
    built = []
    original = disputes.build
    disputes.build = lambda *a, **k: built.append(1) or original(*a, **k)
    try:
        reused, _ = disputes.dispute_effects(df, calls, practices, "churned_90d", after_call=["followed_up"],
                                             disputes=[EARLY], design=design)
        assert not built  # the caller's design, not a second build
        own, _ = disputes.dispute_effects(df, calls, practices, "churned_90d", after_call=["followed_up"],
                                          disputes=[EARLY])
        assert built
    finally:
        disputes.build = original
    pd.testing.assert_frame_equal(reused, own, check_exact=True)
    assert reused["estimate_pp"].notna().all()


def test_a_call_without_a_transcript_means_the_points_build_their_own_design():
    df, calls, _ = disputed(n=3000, seed=32)
    design = build(df, PRACTICES)
    fewer = calls.iloc[1:]  # the first call has no transcript: the linked calls are not df's rows
    got, _ = disputes.dispute_effects(df, fewer, PRACTICES, "churned_90d", disputes=[EARLY], design=design)
    own, _ = disputes.dispute_effects(df, fewer, PRACTICES, "churned_90d", disputes=[EARLY])
    pd.testing.assert_frame_equal(got, own, check_exact=True)
    assert (got["n_calls"] == own["n_calls"]).all()
