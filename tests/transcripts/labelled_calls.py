"""The hand-labelled set as the detector sees it: turns loaded with the reader, labels as a frame."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd

from calmline.transcripts import read_transcripts
from calmline.transcripts.detect import detect

LABELLED = Path(__file__).resolve().parent / "labelled"
# dev: tune on it; holdout: scored by test_detection_accuracy; holdout2 (session 7) and holdout3
# (session 8): written later, each scored once by the lead at the end of the session that wrote it and
# never read while tuning (see labelled/README.md). holdout2, once scored, was studied in session 8 and
# is now tuned on like dev; holdout3, once scored, was studied in session 9 and is tuned on too. holdout4 (session 9): the same, scored once by the lead at the end of session 9.
# holdout5 (session 10): the same, written blind, scored once by the lead at the end of session 10.
# holdout6 (session 11): the same, written blind, scored once by the lead at the end of session 11.
SPLITS = ("dev", "holdout", "holdout2", "holdout3", "holdout4", "holdout5", "holdout6")


def labels(split: str) -> pd.DataFrame:
    """One row per call of ``split`` (one of ``SPLITS``): call_id and every label."""
    assert split in SPLITS, split
    rows = []
    for path in sorted((LABELLED / split).glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            call = json.loads(line)
            rows.append({"call_id": call["call_id"], "channel": call["channel"], **call["labels"]})
    return pd.DataFrame(rows)


def detected(split: str) -> pd.DataFrame:
    """``transcript_calls`` for ``split``, read and detected with the shipped English rules."""
    con = duckdb.connect()
    try:
        report = read_transcripts(con, LABELLED / split)
        assert report.rows_rejected == 0, report.examples
        detect(con)
        return con.execute("SELECT * FROM transcript_calls").fetchdf()
    finally:
        con.close()
