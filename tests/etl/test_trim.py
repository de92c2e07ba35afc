"""Values lose the spaces around them, also now that the load skips trimming files that cannot need it.

The load trims every value (DuckDB's ``trim``: Unicode space separators) unless a scan of the
raw CSV bytes shows that no field starts or ends with one (calmline.etl.sources.scan_field_edges).
These tests hold the scan to that promise, across read-buffer seams, and check end to end that
padded values still load trimmed.
"""

from __future__ import annotations

import csv

import duckdb
import pytest

from calmline.etl import sources
from calmline.etl.contract import entity
from tests.conftest import load_api, query
from tests.etl.builders import CALL_COLUMNS, CALLS, call, make_source, write_csv

NEED_TRIM = {
    "space after comma": b"a,b\nc, d\n",
    "space before comma": b"a,b\nc ,d\n",
    "space at line start": b"a,b\n c,d\n",
    "space at line end": b"a,b\nc,d \n",
    "space before CRLF": b"a,b\r\nc,d \r\n",
    "space after CR": b"a,b\r c,d\r",
    "space at file start": b" a,b\nc,d\n",
    "space at file end": b"a,b\nc,d ",
    "only spaces": b"a,b\nc,   \n",
    "no-break space": "a,b\nc,d\u00a0\n".encode(),
    "em space inside": "a,b\nc,d\u2003e\n".encode(),  # not at an edge, but not ASCII: trimmed to be safe
    "quoted field": b'a,b\nc,"d"\n',
    "byte-order mark": "\ufeffa,b\nc,d\n".encode(),
}
CLEAN = {
    "plain": b"a,b\nc,d\n",
    "space inside a value": b"a,b\naccount change,d\n",
    "no final newline": b"a,b\nc,d",
    "CRLF": b"a,b\r\nc,d\r\n",
    "empty fields": b"a,b\n,\n,d\n",
    "tab at an edge": b"a,b\n\tc,d\t\n",  # trim leaves tabs alone
}


def _scan(tmp_path, content: bytes) -> bool:
    path = tmp_path / "calls.csv"
    path.write_bytes(content)
    src = sources.SourceFile(entity("calls"), path, "csv")
    sources.scan_field_edges(src)
    return src.may_need_trim


@pytest.mark.parametrize("case", list(NEED_TRIM), ids=list(NEED_TRIM))
def test_a_file_with_a_value_trim_would_change_is_trimmed(tmp_path, case):
    assert _scan(tmp_path, NEED_TRIM[case]) is True


@pytest.mark.parametrize("case", list(CLEAN), ids=list(CLEAN))
def test_a_file_without_one_is_not(tmp_path, case):
    assert _scan(tmp_path, CLEAN[case]) is False


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 8])
def test_the_scan_finds_edges_across_read_buffer_seams(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(sources, "_HASH_CHUNK", chunk)
    for case, content in {**NEED_TRIM, **CLEAN}.items():
        assert _scan(tmp_path, content) is (case in NEED_TRIM), (case, chunk)


def test_duckdb_trim_removes_no_ascii_character_but_the_space():
    """The scan's premise: in ASCII text only the space can be trimmed."""
    changed = duckdb.connect().execute(
        "SELECT list(i ORDER BY i) FROM range(0, 128) r(i) "
        "WHERE trim(chr(i::INTEGER) || 'x' || chr(i::INTEGER)) <> chr(i::INTEGER) || 'x' || chr(i::INTEGER)"
    ).fetchone()[0]
    assert changed == [32]


def test_padded_values_load_trimmed(tmp_path, db):
    padded = call(" K9 ", channel=" Chat", anger_level="4 ", resolved=" yes ", apologized="false ",
                  issue_type="\u00a0billing\u2003", started_at="2025-01-05T12:00:00 ")
    source = make_source(tmp_path / "src")
    write_csv(source / "calls" / "calls_2025-02.csv", [padded], CALL_COLUMNS)
    assert load_api(source, db).code == 0
    assert query(db, "SELECT count(*) FROM rejected_rows") == [(0,)]
    assert query(db, "SELECT call_id, channel, anger_level, resolved, apologized, issue_type, "
                     "CAST(started_at AS VARCHAR) FROM calls WHERE call_id LIKE '%K9%'") == [
        ("K9", "chat", 4, True, False, "billing", "2025-01-05 12:00:00")]


def test_quoted_padded_values_load_trimmed(tmp_path, db):
    source = make_source(tmp_path / "src")
    with (source / "calls" / "calls_2025-01.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CALL_COLUMNS, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writeheader()
        writer.writerows([*CALLS, call("K9 ", agent_id=" A2")])
    assert load_api(source, db).code == 0
    assert query(db, "SELECT call_id, agent_id FROM calls WHERE call_id LIKE 'K9%'") == [("K9", "A2")]
