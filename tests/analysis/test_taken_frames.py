"""The fit's last horizon takes its calls and the trainer's columns out of the population a column at
a time (#12: at 10M upset calls the population, the calls and the trainer's columns were held at once,
3.2 GB): the same frames as ``in_model`` and ``_after_models``, and the population is let go."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from calmline import vocabulary
from calmline.analysis import runner
from calmline.database.connection import connect


@pytest.fixture(scope="module")
def population(sample_db, tmp_path_factory):
    """The bundled sample's population as the fit reads it, with some practices not assessed."""
    db = tmp_path_factory.mktemp("taken") / "calmline.duckdb"
    shutil.copyfile(sample_db, db)
    con = connect(db, read_only=False)
    try:
        frame = runner._store_population(con)
    finally:
        con.close()
    rng = np.random.default_rng(3)
    for name in ("apologized", "thanked"):
        values = frame[name].astype("boolean")
        values[rng.random(len(frame)) < 0.05] = pd.NA
        frame[name] = values
    return frame


@pytest.mark.parametrize("h, horizons", [(90, (90,)), (30, (90, 30))])
def test_taken_gives_in_models_and_after_models_frames(population, h, horizons):
    practices, _ = runner._recorded(population, list(vocabulary.practice_names()))
    expected_df, expected_left = runner.in_model(population, practices, h)
    expected_after = runner._after_models(population, practices, horizons)
    consumed = population.copy(deep=True)
    df, left_out, after = runner.taken(consumed, practices, h, horizons)
    assert left_out == expected_left > 0  # (calls with a practice not assessed, left out)
    pd.testing.assert_frame_equal(df, expected_df, check_exact=True)
    pd.testing.assert_frame_equal(after, expected_after, check_exact=True)
    assert consumed.shape[1] == 0  # every column of the population let go
