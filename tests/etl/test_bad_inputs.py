"""A corpus of broken input files, each with the outcome a data owner should see.

A file that cannot be used at all stops the load with one message naming the
file and the problem, and the published database stays byte-for-byte as it
was. A file with some bad rows loads the rest and accounts for every row:
rows read = rows loaded + rows rejected.
"""

from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import file_digest, query
from tests.etl.builders import CALL_COLUMNS, CALLS, call, make_source

CALLS_FILE = "calls/calls_2025-01.csv"


def _csv_bytes(rows, columns=CALL_COLUMNS, delimiter=",") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, delimiter=delimiter, lineterminator="\n",
                            extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _lines(*extra: str) -> bytes:
    """The three good calls, then ``extra`` raw lines (lines 5, 6, ...)."""
    return _csv_bytes(CALLS) + "".join(line + "\n" for line in extra).encode("utf-8")


GOOD_ROW = ",".join(call("K8")[c] for c in CALL_COLUMNS)

FILE_FAILURES = {
    "missing required column": (
        _csv_bytes(CALLS, [c for c in CALL_COLUMNS if c != "anger_level"]),
        ["calls_2025-01.csv:1", "missing required column anger_level"]),
    "empty file": (b"", ["calls_2025-01.csv", "file is empty (0 bytes)"]),
    "semicolon-delimited": (
        _csv_bytes(CALLS, delimiter=";"), ["calls_2025-01.csv:1", "semicolon-delimited"]),
    "header not UTF-8": (
        "call_id,customer_id,agent_id,started_at,channel,issue_type,anger_level,handle_s,r\u00e9gion\n"
        .encode("latin-1"), ["calls_2025-01.csv:1:", "not valid UTF-8"]),
    "duplicate header column": (
        _csv_bytes(CALLS, [*CALL_COLUMNS, "channel"]), ["column 'channel' appears twice"]),
}


@pytest.mark.parametrize("case", list(FILE_FAILURES), ids=list(FILE_FAILURES))
def test_an_unusable_file_fails_the_load_and_leaves_the_database_as_it_was(tmp_path, db, loader, case):
    content, expected = FILE_FAILURES[case]
    source = make_source(tmp_path / "src")
    assert loader(source, db).code == 0
    before = file_digest(db)
    (source / CALLS_FILE).write_bytes(content)
    (source / "follow_ups.csv").write_text("call_id,followup_at,channel\nK2,2025-01-09T00:00:00,sms\n")
    outcome = loader(source, db, "--reload")
    assert outcome.code == 2
    for text in expected:
        assert text in outcome.output
    assert file_digest(db) == before
    assert not list(db.parent.glob(f".{db.name}.loading-*"))
    assert query(db, "SELECT max(batch_id) FROM load_batches") == [(1,)]


def test_a_failed_first_load_creates_no_database(tmp_path, db, loader):
    source = make_source(tmp_path / "src")
    (source / CALLS_FILE).write_bytes(b"")
    assert loader(source, db).code == 2
    assert not db.exists()


ROW_CASES = {
    # name: (file bytes, rows loaded, [(line, rule fragment)])
    "short row": (_lines("K9,C1,A1,2025-01-05T10:00:00,phone"), 3, [(5, "short row")]),
    "long row": (_lines(GOOD_ROW + ",extra,fields"), 3, [(5, "long row")]),
    "unterminated quote": (
        _lines('K9,C1,A1,2025-01-05T10:00:00,phone,"billing,4,30,300', GOOD_ROW), 3,
        [(5, "unterminated or stray quote")]),
    "invalid UTF-8": (_csv_bytes(CALLS) + GOOD_ROW.replace("billing", "bill\xffing")
                      .encode("latin-1") + b"\n", 3, [(5, "not valid UTF-8")]),
    "UTF-8 BOM": (b"\xef\xbb\xbf" + _csv_bytes(CALLS), 3, []),
    "header only": (_csv_bytes([]), 0, []),
    "wrong type": (_lines(GOOD_ROW.replace(",4,30,", ",four,30,")), 3, [(5, "not a whole number")]),
    "blank lines": (_csv_bytes(CALLS[:1]) + b"\n" + _csv_bytes(CALLS[1:]).split(b"\n", 1)[1]
                    + b"\n" + GOOD_ROW.replace("K8", "K9").replace(",300,", ",0,").encode() + b"\n",
                    3, [(7, "must be > 0")]),
    "quoted newline": (_lines(GOOD_ROW.replace("billing", '"bill\ning"'),
                              GOOD_ROW.replace("K8", "K9").replace(",phone,", ",fax,")), 4,
                       [(6, "must be phone, chat or email")]),
    "CRLF line ends": (_lines(GOOD_ROW).replace(b"\n", b"\r\n"), 4, []),
}


@pytest.mark.parametrize("case", list(ROW_CASES), ids=list(ROW_CASES))
def test_bad_rows_are_rejected_and_every_row_is_accounted_for(tmp_path, db, loader, case):
    content, loaded, expected = ROW_CASES[case]
    source = make_source(tmp_path / "src", follow_ups=None)
    (source / CALLS_FILE).write_bytes(content)
    outcome = loader(source, db)
    assert outcome.code == 0, outcome.output
    rejected = query(db, "SELECT line, rule, row_text FROM rejected_rows WHERE entity = 'calls' "
                         "ORDER BY line")
    assert [(line, ) for line, *_ in rejected] == [(line,) for line, _ in expected]
    for (_, rule, text), (_, fragment) in zip(rejected, expected):
        assert fragment in rule
        assert text
    read, ok, bad = query(db, "SELECT rows_read, rows_loaded, rows_rejected FROM load_batches "
                              "WHERE entity = 'calls'")[0]
    assert (ok, bad) == (loaded, len(expected))
    assert read == ok + bad
    assert query(db, "SELECT count(*) FROM calls") == [(loaded,)]


def test_the_bom_does_not_stick_to_the_first_column_name(tmp_path, db, loader):
    source = make_source(tmp_path / "src")
    (source / CALLS_FILE).write_bytes(b"\xef\xbb\xbf" + _csv_bytes(CALLS))
    assert loader(source, db).code == 0
    assert query(db, "SELECT call_id FROM calls ORDER BY call_id") == [("K1",), ("K2",), ("K3",)]


def test_extra_columns_are_kept_out_of_the_way_and_reported(tmp_path, db, loader):
    rows = [{**r, "qa_reviewer": "sam", "Notes": "x"} for r in CALLS]
    source = make_source(tmp_path / "src")
    (source / CALLS_FILE).write_bytes(_csv_bytes(rows, [*CALL_COLUMNS, "qa_reviewer", "Notes"]))
    outcome = loader(source, db)
    assert outcome.code == 0
    assert query(db, "SELECT extra_columns FROM load_batches WHERE entity = 'calls'") == [
        (["qa_reviewer", "Notes"],)]
    assert query(db, "SELECT count(*) FROM calls") == [(3,)]


def test_columns_may_come_in_any_order_and_case(tmp_path, db, loader):
    columns = list(reversed(CALL_COLUMNS))
    rows = [{c.upper() if c == "channel" else c: v for c, v in r.items()} for r in CALLS]
    header = [c.upper() if c == "channel" else c for c in columns]
    source = make_source(tmp_path / "src")
    (source / CALLS_FILE).write_bytes(_csv_bytes(rows, header))
    assert loader(source, db).code == 0
    assert query(db, "SELECT count(*), count(channel) FROM calls") == [(3, 3)]


def test_optional_columns_may_be_left_out(tmp_path, db, loader):
    required = ["call_id", "customer_id", "agent_id", "started_at", "channel", "issue_type",
                "anger_level", "handle_s"]
    source = make_source(tmp_path / "src")
    (source / CALLS_FILE).write_bytes(_csv_bytes(CALLS, required))
    assert loader(source, db).code == 0
    assert query(db, "SELECT count(*), count(apologized), count(csat) FROM calls") == [(3, 0, 0)]


def test_unsupported_file_type_is_named(tmp_path, db, loader):
    source = make_source(tmp_path / "src")
    (source / "calls" / "notes.xlsx").write_bytes(b"PK\x03\x04")
    outcome = loader(source, db)
    assert outcome.code == 2
    assert "notes.xlsx" in outcome.output and "unsupported file type '.xlsx'" in outcome.output


def test_a_corrupt_parquet_file_fails_with_its_name(tmp_path, db, loader):
    source = make_source(tmp_path / "src")
    (source / "calls" / "calls_2025-02.parquet").write_bytes(b"this is not parquet")
    outcome = loader(source, db)
    assert outcome.code == 2
    assert "calls_2025-02.parquet" in outcome.output and "cannot be read as PARQUET" in outcome.output
    assert not db.exists()


def test_missing_source_folder(tmp_path, db, loader):
    outcome = loader(tmp_path / "nowhere", db)
    assert outcome.code == 2 and "source folder not found" in outcome.output


def test_a_folder_without_any_entity_says_what_it_expects(tmp_path, db, loader):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "readme.txt").write_text("hi")
    outcome = loader(tmp_path / "src", db)
    assert outcome.code == 2 and "expected files named after agents, customers, calls" in outcome.output


def test_line_numbers_stay_right_when_several_files_are_read_together(tmp_path, db, loader):
    source = make_source(tmp_path / "src", follow_ups=None)
    (source / CALLS_FILE).write_bytes(_lines("K9,C1,A1,2025-01-05T10:00:00,phone", GOOD_ROW))
    second = GOOD_ROW.replace("K8", "K7").replace("2025-01-05", "2025-02-05")
    (source / "calls" / "calls_2025-02.csv").write_bytes(
        _csv_bytes([]) + b"\n" + second.encode() + b"\n"
        + second.replace("K7", "K6").replace(",4,30,", ",9,30,").encode() + b"\n")
    assert loader(source, db).code == 0
    assert query(db, "SELECT source_file, line, column_name FROM rejected_rows ORDER BY source_file") == [
        ("calls/calls_2025-01.csv", 5, "issue_type"), ("calls/calls_2025-02.csv", 4, "anger_level")]
    assert query(db, "SELECT _source_file, _source_line FROM calls WHERE call_id IN ('K8', 'K7') "
                     "ORDER BY call_id DESC") == [
        ("calls/calls_2025-01.csv", 6), ("calls/calls_2025-02.csv", 3)]
    assert query(db, "SELECT file, rows_read, rows_loaded, rows_rejected FROM load_batches "
                     "WHERE entity = 'calls' ORDER BY file") == [
        ("calls/calls_2025-01.csv", 5, 4, 1), ("calls/calls_2025-02.csv", 2, 1, 1)]
