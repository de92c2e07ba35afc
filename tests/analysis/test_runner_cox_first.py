"""On one lane `calmline fit` runs Cox and Kaplan-Meier before it makes any horizon's calls frame
(#12): the survival models' temporaries, the largest of the fit at 4M upset calls, then sit beside
the population alone, not beside the horizon's complete-case copy as well. (The stored tables are the
same as on two lanes, where Cox runs among the horizon's steps: test_fit_lanes.)"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from calmline import vocabulary
from calmline.analysis import runner, secondary


class Stop(Exception):
    """Ends the fit once the first horizon's calls frame is made."""


@pytest.mark.parametrize("lanes, expected", [(1, ["survival", "calls frame"]), (2, ["calls frame"])])
def test_cox_runs_before_the_horizons_calls_frame_on_one_lane(sample_db, tmp_path, monkeypatch, lanes, expected):
    db = tmp_path / "calmline.duckdb"
    shutil.copyfile(sample_db, db)
    order = []

    def survival(population, practices, **kwargs):
        order.append("survival")
        assert len(population) > 1000 and "time_days" in population  # the whole population
        return pd.DataFrame(), pd.DataFrame()

    def calls_frame(*args, **kwargs):  # in_model, or taken (the last horizon's, once Cox is done)
        order.append("calls frame")
        raise Stop

    monkeypatch.setattr(secondary, "survival", survival)
    monkeypatch.setattr(runner, "in_model", calls_frame)
    monkeypatch.setattr(runner, "taken", calls_frame)
    said = []
    with pytest.raises(Stop):
        runner.fit(db, list(vocabulary.practice_names()), progress=said.append, lanes=lanes)
    assert order == expected
    if lanes == 1:
        assert said[:2] == ["reading upset calls", "Cox and Kaplan-Meier"]
