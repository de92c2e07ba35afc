"""The analysts' own saved queries (calmline.explorer.user_library): per owner, replace by title,
open by id, delete only one's own, bounded, and safe with many writers at once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading

import pytest

from calmline.explorer import user_library
from calmline.explorer.user_library import (LOCAL_OWNER, MAX_TITLE, LibraryError, UserLibrary, default_path,
                                            owner_of)

SQL = {"kind": "sql", "sql": "SELECT team, count(*) FROM call_facts GROUP BY team"}
SAVED = {"kind": "saved", "name": "churn_by_month_team", "params": {"team": "leeds-1", "horizon": "30"}}


@pytest.fixture
def shelf(tmp_path):
    return UserLibrary(default_path(tmp_path / "calmline.duckdb"))


def test_the_library_lives_beside_the_database_not_in_it(tmp_path):
    assert default_path(tmp_path / "calmline.duckdb") == tmp_path / "calmline.duckdb.user-library.sqlite"
    assert owner_of(None) == LOCAL_OWNER and owner_of("ana") == "ana"


def test_each_owner_has_a_library_of_their_own_and_a_link_opens_an_entry_for_anyone(shelf):
    mine = shelf.save("ana", "Upset calls by team", SQL)
    theirs = shelf.save("bo", "Upset calls by team", SAVED)
    assert mine.id != theirs.id and len(mine.id) >= 16
    assert [e.title for e in shelf.mine("ana")] == ["Upset calls by team"]
    assert shelf.mine("ana")[0].request == SQL and shelf.mine("bo")[0].request == SAVED
    assert shelf.get(mine.id).owner == "ana", "the link opens it whoever follows it"
    assert shelf.get("no-such-id-here") is None and shelf.get("") is None and shelf.get(None) is None


def test_saving_again_under_a_title_replaces_the_entry_and_keeps_its_link(shelf):
    first = shelf.save("ana", "  Churn   by team ", SQL)
    again = shelf.save("ana", "Churn by team", SAVED)
    assert again.id == first.id and again.title == "Churn by team" and again.request == SAVED
    assert len(shelf.mine("ana")) == 1


def test_only_the_owner_deletes(shelf):
    entry = shelf.save("ana", "Mine", SQL)
    assert shelf.delete("bo", entry.id) is False and shelf.get(entry.id) is not None
    assert shelf.delete("ana", entry.id) is True and shelf.get(entry.id) is None


@pytest.mark.parametrize("title, problem", [("", "title"), ("   \n\t", "title"), ("x" * (MAX_TITLE + 1), "at most")])
def test_a_title_must_say_something_and_be_short(shelf, title, problem):
    with pytest.raises(LibraryError, match=problem):
        shelf.save("ana", title, SQL)


def test_a_title_is_stored_as_text_without_control_characters(shelf):
    entry = shelf.save("ana", "<img src=x onerror=alert(1)>\x00\x1b[31m", SQL)
    assert entry.title == "<img src=x onerror=alert(1)>[31m", "kept as typed (shown as text), controls gone"


@pytest.mark.parametrize("request_", [None, {}, {"kind": "drop"}, {"kind": "sql", "sql": "  "},
                                      {"kind": "sql", "sql": "x" * 100_001},
                                      {"kind": "saved", "name": "q", "params": {"a": ["list"]}},
                                      {"kind": "saved", "name": "", "params": {}}])
def test_only_a_run_request_the_explorer_would_make_is_saved(shelf, request_):
    with pytest.raises(LibraryError):
        shelf.save("ana", "t", request_)


def test_extra_keys_are_not_stored(shelf):
    entry = shelf.save("ana", "t", {**SQL, "owner": "bo", "html": "<script>"})
    assert entry.request == SQL


def test_an_owner_s_library_is_bounded(shelf, monkeypatch):
    monkeypatch.setattr(user_library, "MAX_PER_OWNER", 3)
    for i in range(3):
        shelf.save("ana", f"q{i}", SQL)
    shelf.save("ana", "q0", SAVED)  # replacing is always possible
    with pytest.raises(LibraryError, match="delete some"):
        shelf.save("ana", "q3", SQL)
    shelf.save("bo", "q3", SQL)  # another owner is not affected


WRITER = """
import sys
from calmline.explorer.user_library import UserLibrary
shelf = UserLibrary(sys.argv[1])
for i in range(40):
    shelf.save("proc", f"q{i}", {"kind": "sql", "sql": f"SELECT {i}"})
"""


def test_many_threads_and_a_second_process_save_at_once_without_losing_an_entry(shelf):
    """Gunicorn runs several worker processes with several threads each: every save must land."""
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(shelf.path)])
    errors = []

    def write(user):
        try:
            for i in range(40):
                shelf.save(user, f"q{i}", {"kind": "sql", "sql": f"SELECT {i}"})
                shelf.mine(user)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(f"user{n}",)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert child.wait(60) == 0 and errors == []
    for owner in [f"user{n}" for n in range(6)] + ["proc"]:
        assert sorted(e.request["sql"] for e in shelf.mine(owner)) == sorted(f"SELECT {i}" for i in range(40))


def test_a_busy_answer_that_passes_is_waited_out_and_the_save_lands(shelf, monkeypatch):
    """SQLite answers some races "busy" at once, without its own wait: the call is run again."""
    real, answers = sqlite3.connect, iter(["database is locked", "database is busy"])

    def racing(*args, **kwargs):
        message = next(answers, None)
        if message is not None:
            raise sqlite3.OperationalError(message)
        return real(*args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", racing)
    saved = shelf.save("ana", "weekly", {"kind": "sql", "sql": "SELECT 1"})
    assert [e.id for e in shelf.mine("ana")] == [saved.id]


def test_a_lock_held_past_the_wait_is_refused_in_words_and_nothing_is_half_saved(shelf, monkeypatch):
    shelf.save("ana", "kept", {"kind": "sql", "sql": "SELECT 1"})
    monkeypatch.setattr(user_library, "BUSY_SECONDS", 0.3)
    holder = sqlite3.connect(shelf.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(LibraryError, match="cannot be opened .*locked"):
            shelf.save("ana", "lost", {"kind": "sql", "sql": "SELECT 2"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert [e.title for e in shelf.mine("ana")] == ["kept"]
