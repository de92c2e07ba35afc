"""The generator reads the domain's words from calmline.vocabulary when it runs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from calmline import vocabulary
from calmline.synth import effects, generate
from tests.synth.worlds import generate_files_only, read_calls

SMILED = vocabulary.Practice("smiled", "Smiled", "The agent smiled audibly.", ("HEARD",),
                             module="smiled")


def test_every_vocabulary_practice_has_planted_parameters():
    effects.check_parameters()                                   # does not raise
    names = set(vocabulary.practice_names())
    assert names <= set(effects.TRIGGER_PRACTICE)
    assert set(vocabulary.qa_flags()) <= set(effects.PRACTICE_ADOPTION)


def test_a_practice_without_parameters_fails_loudly(monkeypatch, tmp_path):
    monkeypatch.setattr(vocabulary, "PRACTICES", (*vocabulary.PRACTICES, SMILED))
    with pytest.raises(ValueError, match="smiled: no direct effect.*smiled: no adoption"):
        generate(tmp_path, 50, 1)
    assert not (tmp_path / "ground_truth.json").exists()


def test_a_derived_practice_the_generator_cannot_draw_fails_loudly(monkeypatch, tmp_path):
    changed = tuple(vocabulary.Practice(p.name, p.label, p.definition, p.playbooks,
                                        derived="compensation_value > 20", module=p.module)
                    if p.name == "compensated" else p for p in vocabulary.PRACTICES)
    monkeypatch.setattr(vocabulary, "PRACTICES", changed)
    with pytest.raises(ValueError, match="compensated: the generator does not draw"):
        generate(tmp_path, 50, 1)


def test_a_channel_without_parameters_fails_loudly(monkeypatch, tmp_path):
    monkeypatch.setattr(vocabulary, "CHANNELS", (*vocabulary.CHANNELS, "video"))
    with pytest.raises(ValueError, match="TRIGGER_CHANNEL: 3 entries for 4 channels"):
        generate(tmp_path, 50, 1)


def test_a_new_flag_with_parameters_is_written_trained_and_planted(monkeypatch, tmp_path):
    """Adding a QA flag is one vocabulary entry plus its numbers: it reaches every output."""
    monkeypatch.setattr(vocabulary, "PRACTICES", (*vocabulary.PRACTICES, SMILED))
    monkeypatch.setitem(effects.TRIGGER_PRACTICE, "smiled", -0.4)
    monkeypatch.setitem(effects.PRACTICE_ADOPTION, "smiled", (0.0, 0.8, 0.0))
    generate(tmp_path, 600, 3)
    calls = read_calls(tmp_path)
    assert list(calls.columns[22:26]) == ["smiled", "options_offered", "csat",
                                          "compensation_value"]
    assert set(calls.smiled) == {"true", "false", ""}
    training = pd.read_csv(tmp_path / "training.csv", dtype=str)
    assert "smiled" in set(training.module)
    truth = json.loads((tmp_path / "ground_truth.json").read_text())
    assert list(truth["practices"])[-1] == "smiled"
    assert truth["practices"]["smiled"]["risk_difference"]["90d"] < 0


def test_a_new_module_draws_from_its_own_stream(monkeypatch, tmp_path):
    """Another module's completions do not move the existing ones."""
    generate_files_only(tmp_path / "before", 600, 3)  # training.csv read only
    monkeypatch.setattr(vocabulary, "PRACTICES", (*vocabulary.PRACTICES, SMILED))
    monkeypatch.setitem(effects.TRIGGER_PRACTICE, "smiled", 0.0)
    monkeypatch.setitem(effects.PRACTICE_ADOPTION, "smiled", (0.0, 0.8, 0.0))
    generate_files_only(tmp_path / "after", 600, 3)
    before = pd.read_csv(tmp_path / "before" / "training.csv", dtype=str)
    after = pd.read_csv(tmp_path / "after" / "training.csv", dtype=str)
    assert (after.module == "smiled").sum() > 0
    kept = after[after.module != "smiled"].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, before)


def test_upset_threshold_and_horizons_are_read_when_generating(monkeypatch, tmp_path):
    monkeypatch.setattr(vocabulary, "HORIZONS", (30, 60, 90))
    monkeypatch.setattr(vocabulary, "UPSET_ANGER", 4)
    generate(tmp_path, 300, 2)
    truth = json.loads((tmp_path / "ground_truth.json").read_text())
    assert set(truth["horizons"]) == {"30d", "60d", "90d"}
    assert truth["definitions"]["upset_call"] == "anger_level >= 4"
    assert set(truth["practices"]["apologized"]["risk_difference"]) == {"30d", "60d", "90d"}
    calls = read_calls(tmp_path)
    assert truth["n_upset_calls_in_window"] == (
        (calls.anger >= 4) & (calls.day + pd.Timedelta(days=90) <= pd.Timestamp("2026-01-01"))
    ).sum()
