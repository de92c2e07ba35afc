"""`calmline fit` on two lanes (#12), as forked processes (where the system forks, the default) and
as threads: every stored table the same as on one lane, to the last digit; the families share the
population, the horizon's calls and the design without changing them; the progress shows the steps
that run at once."""

from __future__ import annotations

import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest

from calmline import vocabulary
from calmline.analysis import runner, schedule

SETTINGS = {"one": 1, "processes": 2, "threads": 2}
"""Each fit of the fixture: its lanes (two as forked processes, or as threads)."""

TABLES = ("practice_effects", "practice_balance", "practice_sensitivity", "dose_response",
          "effect_heterogeneity", "km_curves", "training_priorities", "agent_adoption", "agent_coaching",
          "training_impact", "dispute_effects")


def _read_only(design):
    for array in (design.covariates, design.practices, design.combined):
        if array is not None:
            array.flags.writeable = False  # a family writing into the shared design raises
    return design


@pytest.fixture(scope="module")
def fits(sample_db, tmp_path_factory):
    """The bundled sample fitted on one lane, on two forked processes and on two threads (90 days),
    with what each run handed its families (the design read-only) and said as it went."""
    out = {}
    with pytest.MonkeyPatch.context() as patch:
        handed = []
        build, in_model, after = runner.build, runner.in_model, runner._after_models

        def keep(fn):
            def wrapped(*args, **kwargs):
                value = fn(*args, **kwargs)
                frame = value[0] if isinstance(value, tuple) else value
                handed.append((frame, frame.copy(deep=True)))
                return value
            return wrapped

        patch.setattr(runner, "build", lambda *a, **k: _read_only(build(*a, **k)))
        patch.setattr(runner, "in_model", keep(in_model))
        patch.setattr(runner, "_after_models", keep(after))
        taken = runner.taken

        def keep_taken(*args, **kwargs):  # the last horizon's calls and the trainer's columns
            df, left_out, population = taken(*args, **kwargs)
            handed.extend([(df, df.copy(deep=True)), (population, population.copy(deep=True))])
            return df, left_out, population

        patch.setattr(runner, "taken", keep_taken)
        for setting, lanes in SETTINGS.items():
            patch.setattr(schedule, "process_lanes", lambda forks=setting != "threads": forks)
            db = tmp_path_factory.mktemp(setting) / "calmline.duckdb"
            shutil.copyfile(sample_db, db)
            said, handed[:] = [], []
            summary = runner.fit(db, list(vocabulary.practice_names()), progress=said.append, lanes=lanes)
            con = duckdb.connect(str(db), read_only=True)
            try:
                tables = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").df() for t in TABLES}
                runs = con.execute("SELECT * EXCLUDE (created_at) FROM model_runs").df()
            finally:
                con.close()
            out[setting] = {"summary": summary, "said": said, "tables": tables, "runs": runs,
                            "handed": list(handed)}
    return out


@pytest.mark.parametrize("two", ["processes", "threads"])
def test_two_lanes_store_every_table_as_one_lane_does(fits, two):
    for table in TABLES:
        one, other = fits["one"]["tables"][table], fits[two]["tables"][table]
        assert len(one) > 0 or table in ("training_impact",), table
        pd.testing.assert_frame_equal(one, other, check_exact=True, obj=table)
    pd.testing.assert_frame_equal(fits["one"]["runs"], fits[two]["runs"], check_exact=True)
    assert fits["one"]["summary"].warnings == fits[two]["summary"].warnings
    assert fits["one"]["summary"].rows == fits[two]["summary"].rows


def test_no_family_changes_the_frames_it_shares(fits):
    """The horizon's calls and the population columns the priorities read are as the runner made them
    after every family ran (and none wrote into the design: its arrays were read-only). A forked
    family's writes would stay in its own process: the threads show what a family does to them."""
    for setting in SETTINGS:
        handed = fits[setting]["handed"]
        assert len(handed) == 2
        for frame, copy in handed:
            pd.testing.assert_frame_equal(frame, copy, check_exact=True)


@pytest.mark.parametrize("two", ["processes", "threads"])
def test_progress_names_the_steps_running_at_once(fits, two):
    one, two = fits["one"]["said"], fits[two]["said"]
    assert not any("; " in m for m in one)
    assert one[0] == "reading upset calls" and "90 days: logit and AIPW" in one
    overlapping = [m.split("; ") for m in two if "; " in m]
    assert overlapping and all(len(names) == 2 for names in overlapping)
    assert {name for m in two for name in m.split("; ")} == set(one)
    assert "Cox and Kaplan-Meier; 90 days: design matrix" in two  # Cox starts beside the design


def test_each_step_is_timed_on_every_setting(fits):
    one = fits["one"]["summary"]
    for setting in ("processes", "threads"):
        two = fits[setting]["summary"]
        assert set(one.timings) == set(two.timings) == set(one.cpu) == set(two.cpu)
        assert {"Cox and Kaplan-Meier", "logit and AIPW (90d)", "disputed points (90d)"} <= set(two.timings)
    # the steps' CPU adds up to no more than the fit's: on processes, theirs is counted in it
    for summary in (fits[s]["summary"] for s in SETTINGS):
        assert all(np.isfinite(v) and v >= 0 for v in [*summary.timings.values(), *summary.cpu.values()])
        assert sum(summary.cpu.values()) <= summary.cpu_seconds * 1.05 + 0.05
