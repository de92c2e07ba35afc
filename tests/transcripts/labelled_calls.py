"""The hand-labelled set as the detector sees it: turns loaded with the reader, labels as a frame."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd

from calmline.transcripts import read_transcripts
from calmline.transcripts.detect import detect

LABELLED = Path(__file__).resolve().parent / "labelled"
# dev: tune on it; holdout: scored by test_detection_accuracy. Each later holdout (holdout2 in session 7
# to holdout7 in session 11) was written blind by a helper who did not see the rules, scored once by the
# lead, then studied and tuned on (test_detection_accuracy.TUNED_ON: holdout2 to holdout6). holdout6 was
# scored once, blind, in session 11 at rules 0c738be, then tuned on in round 12; holdout7, written blind
# in session 11, was scored once by the lead after round 12 (see labelled/README.md).
SPLITS = ("dev", "holdout", "holdout2", "holdout3", "holdout4", "holdout5", "holdout6", "holdout7")


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
