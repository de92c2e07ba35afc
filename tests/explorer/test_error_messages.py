"""What the sandbox's error messages tell analysts: logical names, never the server's paths, and
no advice to INSTALL an extension (the explorer refuses INSTALL)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def box(sample_db):
    from calmline.explorer.sandbox import Sandbox

    with Sandbox(sample_db) as sandbox:
        yield sandbox


def message(box, sql: str) -> str:
    from calmline.explorer.sandbox import QueryFailed

    with pytest.raises(QueryFailed) as failed:
        box.run(sql)
    return str(failed.value)


@pytest.mark.parametrize("sql", [
    "SELECT error((SELECT path FROM duckdb_databases() WHERE database_name = 'calm'))",
    "SELECT error(current_setting('secret_directory'))",
    "SELECT error((SELECT string_agg(value, ' ') FROM duckdb_settings() WHERE value LIKE '/%'))",
    "SELECT * FROM read_blob((SELECT path FROM duckdb_databases() WHERE database_name = 'calm'))",
    "SELECT 1 + (SELECT path FROM duckdb_databases() WHERE database_name = 'calm')::INT",
])
def test_errors_name_no_server_path(box, sample_db, sql):
    said = message(box, sql)
    for path in (str(Path(sample_db).resolve()), str(Path(sample_db).resolve().parent), str(Path.home())):
        assert path not in said, said
    assert ".duckdb/stored_secrets" not in said


def test_the_database_is_called_the_calmline_database(box):
    said = message(box, "SELECT error((SELECT path FROM duckdb_databases() WHERE database_name = 'calm'))")
    assert "the calmline database" in said


@pytest.mark.parametrize("sql, extension", [("SELECT * FROM st_read('x')", "spatial"),
                                            ("SELECT * FROM sqlite_scan('a', 'b')", "sqlite_scanner")])
def test_a_missing_extension_is_explained_without_install_advice(box, sql, extension):
    said = message(box, sql)
    assert "INSTALL" not in said and "LOAD" not in said and "SET autoinstall" not in said
    assert extension in said and "extensions are not available in the query explorer" in said


@pytest.mark.parametrize("sql", [
    "SELECT path FROM duckdb_databases()",
    "SELECT current_setting('secret_directory') AS s",
    "SELECT name, value FROM duckdb_settings()",
    "SELECT current_setting('allowed_paths')::VARCHAR AS p",
])
def test_query_results_show_no_server_paths(box, sample_db, sql):
    """Catalog functions return the server's paths as rows; analysts see logical names."""
    text = box.run(sql).frame.to_csv()
    for path in (str(sample_db), str(Path(sample_db).parent), str(Path.home())):
        assert path not in text
    assert "a/b/c" in box.run("SELECT 'a/b/c' AS x").frame.to_csv()  # ordinary text is untouched
