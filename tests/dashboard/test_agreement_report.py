"""Data health's Detection vs QA section (#17): where the calls' practices came from, and per
practice how well detection agrees with QA, with the same numbers as the saved query
``transcript_agreement``; without transcripts it says so instead of showing an empty table.

A tiny hand-made centre (eight calls, six transcripts) loaded once; nothing is fitted."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.conftest import load_api, query
from tests.etl.builders import PRACTICES, call, make_source

APOLOGY = [{"speaker": "customer", "start_s": 0.0, "end_s": 9.0, "text": "my bill doubled and nobody told me why"},
           {"speaker": "agent", "start_s": 9.5, "end_s": 14.0, "text": "I'm so sorry about that, that must be frustrating."}]
PLAIN = [{"speaker": "customer", "start_s": 0.0, "end_s": 9.0, "text": "my bill doubled and nobody told me why"},
         {"speaker": "agent", "start_s": 9.5, "end_s": 14.0, "text": "let me look at the account."}]
EMPTY = {p: "" for p in PRACTICES}


def _calls():
    """K1-K5: QA scored and transcribed (QA apologized: yes, yes, no, yes, no; the transcript has an
    apology on K1, K2 and K3): tp 2, fp 1, fn 1, tn 1 for apologized. K6: QA empty, transcribed.
    K7: QA empty, no transcript. K8: QA scored, no transcript."""
    qa = {"K1": "true", "K2": "true", "K3": "false", "K4": "true", "K5": "false"}
    rows = [call(c, started_at=f"2025-01-0{i + 1}T10:00:00", apologized=v) for i, (c, v) in enumerate(qa.items())]
    rows += [call("K6", started_at="2025-01-06T10:00:00", **EMPTY, options_offered=""),
             call("K7", started_at="2025-01-07T10:00:00", **EMPTY, options_offered=""),
             call("K8", started_at="2025-01-08T10:00:00")]
    return rows


def _load(root: Path, transcripts: dict[str, list] | None) -> Path:
    source = make_source(root / "src", calls=_calls())
    if transcripts:
        (source / "transcripts.jsonl").write_text(
            "".join(json.dumps({"call_id": c, "turns": t}) + "\n" for c, t in transcripts.items()), encoding="utf-8")
    db = root / "calmline.duckdb"
    out = load_api(source, db)
    assert out.code == 0, out.output
    return db


@pytest.fixture(scope="module")
def centre(tmp_path_factory) -> Path:
    return _load(tmp_path_factory.mktemp("agreement"), {
        "K1": APOLOGY, "K2": APOLOGY, "K3": APOLOGY, "K4": PLAIN, "K5": PLAIN, "K6": APOLOGY})


def _section(db: Path):
    """The section's outputs (note, rows, column definitions, table style) on the app serving ``db``."""
    from calmline.dashboard.app import Settings, create_app

    _app = create_app(Settings(db=db, explorer=False))  # held while the page is used (Dash keeps it weakly)
    from calmline.dashboard.pages import health

    return health.agreement("/health")


def _text(node) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, (list, tuple)):
        return " ".join(_text(n) for n in node)
    return _text(getattr(node, "children", "") or "")


def _saved(db: Path) -> list[dict]:
    import duckdb

    from calmline.explorer.saved_queries import library

    saved = library()["transcript_agreement"]
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(saved.sql, saved.bind({})).df().to_dict("records")


def _same(a, b) -> bool:
    missing = lambda v: v is None or (isinstance(v, float) and math.isnan(v))
    return (missing(a) and missing(b)) or a == b


def test_the_page_table_has_the_saved_querys_numbers(centre):
    _note, rows, _columns, style = _section(centre)
    saved = _saved(centre)
    assert style == {} and len(rows) == len(saved) > 0
    assert [r["practice"] for r in rows] == [r["practice"] for r in saved]
    for shown, stored in zip(rows, saved):
        assert set(shown) == set(stored)
        assert all(_same(shown[k], stored[k]) for k in stored), (shown, stored)
    # the calls QA and detection both scored: K1-K5 (K6 has no QA value, K7 and K8 no transcript)
    apology = next(r for r in rows if r["practice"] == "apologized")
    assert (apology["n_calls"], apology["tp"], apology["fp"], apology["fn"], apology["tn"]) == (5, 2, 1, 1, 1)
    assert apology["agreement"] == pytest.approx(3 / 5) and apology["precision"] == pytest.approx(2 / 3)
    assert apology["recall"] == pytest.approx(2 / 3)
    # options_offered is compared as exact counts, last
    assert rows[-1]["practice"] == "options_offered" and rows[-1]["kind"] == "count"
    assert rows[-1]["precision"] is None


def test_the_table_states_its_units_and_labels(centre):
    _note, _rows, columns, _style = _section(centre)
    headers = {c["field"]: c["headerName"] for c in columns}
    assert headers["n_calls"] == "calls compared" and headers["agreement"] == "agreement (% of calls)"
    assert "% of detected" in headers["precision"] and "% of QA yes" in headers["recall"]
    practice = next(c for c in columns if c["field"] == "practice")
    assert practice["refData"]["apologized"] == "Apologized"
    assert practice["refData"]["options_offered"] == "Options offered (exact count)"
    assert next(c for c in columns if c["field"] == "agreement")["valueFormatter"]["function"].count("%")


def test_the_note_says_where_practices_came_from_and_which_is_the_reference(centre):
    note, rows, _columns, _style = _section(centre)
    text = _text(note)
    counts = dict(query(centre, "SELECT coalesce(practice_source, 'neither'), count(*) FROM call_facts GROUP BY 1"))
    assert counts == {"qa": 6, "transcript": 1, "neither": 1}  # K1-K5 and K8; K6; K7
    assert ("Practices of 8 calls: 6 from QA scores, 1 from transcripts (QA left them empty), 0 from both"
            in text) and "1 from neither" in text
    assert "6 calls have a transcript; 5 have both a QA score and a transcript for at least one practice" in text
    assert "a practice's own count is its row's calls compared" in text  # the rows count fewer where QA left it empty
    assert "QA is the reference" in text and "calmline/transcripts/rules/en.toml" in text
    # apologized: p_o = 3/5, both said yes on 3/5 of calls, p_e = .36 + .16 = .52, kappa = .08/.48
    apology = next(r for r in rows if r["practice"] == "apologized")
    assert apology["kappa"] == pytest.approx(1 / 6)
    assert "Apologized" in text.split("Below 0.6 here:")[1]


def test_a_database_loaded_before_the_view_existed_says_what_to_do(tmp_path):
    import pandas as pd

    from calmline.dashboard.app import Settings, create_app

    _app = create_app(Settings(db=tmp_path / "calmline.duckdb", explorer=False))  # the page needs an app
    from calmline.dashboard.pages.health import agreement_note

    missing = pd.DataFrame()
    missing.attrs["missing"] = "transcript_agreement does not exist yet"
    said = _text(agreement_note(missing, missing))
    assert "transcript_agreement does not exist yet" in said and "`calmline etl`" in said


def test_without_transcripts_it_says_so_instead_of_an_empty_table(tmp_path):
    db = _load(tmp_path, None)
    note, rows, _columns, style = _section(db)
    assert rows == [] and style == {"display": "none"}
    text = _text(note)
    assert "No transcripts are loaded" in text
    assert "Practices of 8 calls: 6 from QA scores, 0 from transcripts" in text and "2 from neither" in text
