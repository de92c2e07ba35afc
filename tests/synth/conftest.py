"""Generated worlds shared by the synth tests: built once per session."""

from __future__ import annotations

import json

import pytest

from calmline.synth import generate
from tests.synth.worlds import MEDIUM, MEDIUM_SEED, SEED, SMALL, read_calls


@pytest.fixture(scope="session")
def factual(tmp_path_factory):
    """The SMALL world as drawn: (folder, calls, ground truth)."""
    folder = tmp_path_factory.mktemp("factual")
    generate(folder, SMALL, SEED)
    return folder, read_calls(folder), json.loads((folder / "ground_truth.json").read_text())


@pytest.fixture(scope="session")
def forced(tmp_path_factory):
    """``forced(practice, value)``: folder of the SMALL world with the practice forced."""
    cache = {}

    def world(practice, value):
        if (practice, value) not in cache:
            folder = tmp_path_factory.mktemp(f"{practice}_{value}")
            generate(folder, SMALL, SEED, force={practice: value}, transcripts=False)
            cache[practice, value] = folder
        return cache[practice, value]
    return world


@pytest.fixture(scope="session")
def medium(tmp_path_factory):
    """The MEDIUM world (the sample data's arguments, no dirty rows)."""
    folder = tmp_path_factory.mktemp("medium")
    generate(folder, MEDIUM, MEDIUM_SEED)
    return folder, read_calls(folder), json.loads((folder / "ground_truth.json").read_text())
