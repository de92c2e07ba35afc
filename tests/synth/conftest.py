"""Generated worlds shared by the synth tests: each generated once per test run, whichever
pytest-xdist worker asks first (see tests.conftest.built_once). Read them only."""

from __future__ import annotations

import json

import pytest

from calmline.synth import generate
from tests.conftest import built_once
from tests.synth.worlds import MEDIUM, MEDIUM_SEED, SEED, SMALL, generate_files_only, read_calls


@pytest.fixture(scope="session")
def factual(tmp_path_factory):
    """The SMALL world as drawn: (folder, calls, ground truth)."""
    folder = built_once(tmp_path_factory, "factual", lambda out: generate(out, SMALL, SEED))
    return folder, read_calls(folder), json.loads((folder / "ground_truth.json").read_text())


@pytest.fixture(scope="session")
def forced(tmp_path_factory):
    """``forced(practice, value)``: folder of the SMALL world with the practice forced. Its
    data files only: the truth the tests compare them with is the factual world's."""
    cache = {}

    def world(practice, value):
        if (practice, value) not in cache:
            cache[practice, value] = built_once(tmp_path_factory, f"{practice}_{value}", lambda out: (
                generate_files_only(out, SMALL, SEED, force={practice: value}, transcripts=False)))
        return cache[practice, value]
    return world


@pytest.fixture(scope="session")
def medium(tmp_path_factory):
    """The MEDIUM world (the sample data's arguments, no dirty rows)."""
    folder = built_once(tmp_path_factory, "medium", lambda out: generate(out, MEDIUM, MEDIUM_SEED))
    return folder, read_calls(folder), json.loads((folder / "ground_truth.json").read_text())
