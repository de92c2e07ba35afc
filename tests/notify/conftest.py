"""Fixtures of the notify tests: a local SMTP server (aiosmtpd), a local webhook (http.server),
and a private copy of the shared fitted sample database to record deliveries in."""

from __future__ import annotations

import json
import shutil
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Mailbox:
    """What the local SMTP server received: one parsed message per envelope."""

    port: int
    messages: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        self.messages.append((tuple(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(monkeypatch):
    """A local SMTP server (no STARTTLS, no login) that keeps what it receives; the
    CALMLINE_SMTP_* environment points at it."""
    from aiosmtpd.controller import Controller

    box = Mailbox(free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    monkeypatch.setenv("CALMLINE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CALMLINE_SMTP_PORT", str(box.port))
    monkeypatch.delenv("CALMLINE_SMTP_USER", raising=False)
    yield box
    controller.stop()


@dataclass
class Hook:
    """What the local webhook received: (path, content type, parsed JSON body) per request."""

    url: str
    posts: list = field(default_factory=list)
    status: int = 200


@pytest.fixture
def webhook():
    """A local HTTP server standing in for a Slack or Teams incoming webhook."""
    hook = Hook("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            hook.posts.append((self.path, self.headers["Content-Type"], json.loads(body)))
            self.send_response(hook.status)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hook.url = f"http://127.0.0.1:{server.server_address[1]}/services/T0/B0/secret-token"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield hook
    server.shutdown()
    server.server_close()


@pytest.fixture
def notify_db(fitted_sample_db, tmp_path) -> Path:
    """A private copy of the fitted sample database, which notify may write its deliveries into."""
    db = tmp_path / "calmline.duckdb"
    shutil.copyfile(fitted_sample_db, db)
    return db


NAME = ("<b>x</b><img src=1 onerror=\"document.body.append('EXEC'+'UTED')\">"
        "</script><script>document.body.append('PWN'+'ED')</script>")
"""A team name that would run in a renderer that did not escape it (the words EXECUTED or PWNED
appear only if it runs: the text itself holds them split)."""


@pytest.fixture
def hostile_team_db(notify_db) -> Path:
    """The private copy with its first team renamed to ``NAME`` in every table that has a team."""
    import duckdb

    con = duckdb.connect(str(notify_db))
    team = con.execute("SELECT min(team) FROM agents").fetchone()[0]
    tables = [t for (t,) in con.execute("SELECT c.table_name FROM duckdb_columns() c JOIN duckdb_tables() t "
                                        "ON t.table_name = c.table_name AND t.schema_name = c.schema_name "
                                        "WHERE c.column_name = 'team' AND c.schema_name = 'main'").fetchall()]
    for table in tables:
        con.execute(f'UPDATE "{table}" SET team = $name WHERE team = $team', {"name": NAME, "team": team})
    con.close()
    return notify_db
