"""The overview runs its queries side by side (#12, Pages): the frames are the ones asked for one by
one, with the same filters, on the served database."""

from __future__ import annotations

import pandas as pd


def test_the_queries_run_at_once_give_the_frames_asked_for_one_by_one(app):
    from calmline.dashboard import data, overview_numbers

    with app.server.app_context():
        options = data.frame("filter_options")
        teams = sorted(options.loc[options["filter"] == "team", "value"])[:2]
        params = {name: None for name in data.FILTER_PARAMS} | {"teams": teams, "anger": [4, 5]}
        everything = {**params, "start": None}
        asked = {"headline": params, "customer_headline": params, "monthly": everything, "teams": params}
        data.clear_caches()
        together = overview_numbers.frames_at_once(asked)
        data.clear_caches()
        for name, bound in asked.items():
            alone = data.frame(name, **bound)
            assert len(alone) > 0, name
            pd.testing.assert_frame_equal(together[name], alone, check_exact=True, obj=name)
