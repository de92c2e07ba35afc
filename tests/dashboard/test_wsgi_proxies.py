"""The gunicorn entry point: behind a proxy (CALMLINE_PROXIES), failed sign-ins are limited per
client address as the proxy forwards it, not per proxy."""

from __future__ import annotations

import base64
import contextvars
import importlib
import sys


def test_behind_a_proxy_one_client_failing_does_not_limit_another(sample_db, tmp_path, monkeypatch):
    from werkzeug.security import generate_password_hash

    from calmline.dashboard import access

    users = tmp_path / "users.toml"
    users.write_text(f'[users.ana]\npassword_hash = "{generate_password_hash("pw")}"\nroles = ["analyst"]\n')
    monkeypatch.setenv("CALMLINE_DB", str(sample_db))
    monkeypatch.setenv("CALMLINE_USERS", str(users))
    monkeypatch.setenv("CALMLINE_PROXIES", "1")
    sys.modules.pop("calmline.dashboard.wsgi", None)
    server = contextvars.copy_context().run(importlib.import_module, "calmline.dashboard.wsgi").server
    sys.modules.pop("calmline.dashboard.wsgi", None)
    client = server.test_client()

    def get(client_address, password):
        header = {"Authorization": "Basic " + base64.b64encode(f"ana{client_address[-1]}:{password}".encode()).decode(),
                  "X-Forwarded-For": client_address}
        return contextvars.copy_context().run(client.get, "/", headers=header,
                                              environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code

    answers = [get("203.0.113.7", "guess") for _ in range(access.ADDRESS_FAILURES[0] + 1)]
    assert answers[-1] == 429
    assert get("198.51.100.2", "guess") == 401, "another client behind the same proxy is not limited"
