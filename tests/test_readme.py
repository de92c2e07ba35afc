"""The README is the user's manual: its contract and commands must match the code."""

from __future__ import annotations

from pathlib import Path

from calmline.etl.contract import entities

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_contract_column_is_documented():
    for entity in entities():
        assert entity.name in README
        for column in entity.columns:
            assert column.name in README, f"{entity.name}.{column.name} missing from the README"


def test_the_readme_test_command_is_what_ci_runs():
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "make test" in README and "make test" in ci
    assert "make demo" in README
