"""A gunicorn worker's start (#12, Pages): the entry point has Dash set itself up before any request
(its first-request setup is not safe for two first requests at once, and with warming at start a
slow first request met a second: 'dictionary changed size during iteration', HTTP 500), and with
CALMLINE_WARM=1 it starts warming at once, without waiting for a first request."""

from __future__ import annotations

import contextvars
import importlib
import sys
import threading


def _import_wsgi(monkeypatch, sample_db, warm: str):
    monkeypatch.setenv("CALMLINE_DB", str(sample_db))
    monkeypatch.setenv("CALMLINE_WARM", warm)
    monkeypatch.delenv("CALMLINE_USERS", raising=False)
    sys.modules.pop("calmline.dashboard.wsgi", None)
    try:
        return contextvars.copy_context().run(importlib.import_module, "calmline.dashboard.wsgi").server
    finally:
        sys.modules.pop("calmline.dashboard.wsgi", None)


def test_dash_is_set_up_before_the_first_request_and_first_requests_at_once_are_answered(sample_db, monkeypatch):
    import dash

    from calmline.dashboard import data

    monkeypatch.setattr(data, "_warmers", [])  # nothing to warm here
    server = _import_wsgi(monkeypatch, sample_db, "0")
    app = dash.get_app()
    assert app._got_first_request["setup_server"] and app._got_first_request["pages"]
    answers = []

    def first():
        answers.append(contextvars.copy_context().run(server.test_client().get, "/_dash-layout").status_code)

    threads = [threading.Thread(target=first) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert answers == [200] * 6


def test_warming_starts_when_the_worker_starts(sample_db, monkeypatch):
    from calmline.dashboard import data

    started = threading.Event()
    monkeypatch.setattr(data, "_warmers", [started.set])
    monkeypatch.setattr(data, "_warmed", set())
    _import_wsgi(monkeypatch, sample_db, "1")
    assert started.wait(30), "no warming without a request"


def test_calmline_serve_has_dash_set_up_before_waitress_serves(sample_db, monkeypatch):
    import socket

    import dash
    import waitress
    from typer.testing import CliRunner

    from calmline.cli import app as cli

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    seen = []
    monkeypatch.setattr(waitress, "serve", lambda server, **_: seen.append(
        dash.get_app()._got_first_request["setup_server"]))
    monkeypatch.delenv("CALMLINE_USERS", raising=False)
    monkeypatch.delenv("CALMLINE_RULES", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--db", str(sample_db), "--port", str(port)])
    assert result.exit_code == 0, result.output
    assert seen == [True]  # set up before the server's threads could meet two first requests
