"""WSGI entry point for a production server with several workers.

    CALMLINE_DB=/path/calmline.duckdb gunicorn -w 2 --threads 4 -b 127.0.0.1:8050 calmline.dashboard.wsgi:server

Each worker builds its own app; data is read per request through read-only
connections, one per thread, so workers and threads share nothing but the file.

The app cannot see which address gunicorn listens on, so the query explorer is served only
behind sign-in: set ``CALMLINE_USERS`` to a users file (see :mod:`calmline.dashboard.access`) and every
page asks for a password and only analysts see the explorer. Without it the explorer is
switched off. ``CALMLINE_EXPLORER=off`` switches it off in any case. ``CALMLINE_RULES`` names the
`calmline notify` rules file the Alerts page lists. ``CALMLINE_WARM=1``: each worker starts
filling its caches (the explorer's schema, the overview's customer index, the model pages'
figures and reports) in the background as it starts (see :func:`calmline.dashboard.data.warm`).

Failed sign-ins are limited per client address. Behind a reverse proxy every request comes from
the proxy's address; set ``CALMLINE_PROXIES`` to the number of proxies in front (usually 1) and
the client's address is read from ``X-Forwarded-For`` as those proxies set it. Only set it when
such a proxy is there: otherwise any client could claim any address.
"""

from __future__ import annotations

import os
from pathlib import Path

from calmline.dashboard import data
from calmline.dashboard.access import read_users
from calmline.dashboard.app import Settings, create_app, set_up_before_serving

_users_file = os.environ.get("CALMLINE_USERS")
_users = read_users(Path(_users_file)) if _users_file else None
server = create_app(Settings(
    db=Path(os.environ.get("CALMLINE_DB", "calmline.duckdb")),
    users=_users,
    explorer=_users is not None and os.environ.get("CALMLINE_EXPLORER", "on") != "off",
    rules=Path(os.environ["CALMLINE_RULES"]) if os.environ.get("CALMLINE_RULES") else None,
)).server
set_up_before_serving(server)  # before gunicorn's threads serve
data.warm_now()  # CALMLINE_WARM=1: each worker fills its caches as it starts, not at its first request
_proxies = int(os.environ.get("CALMLINE_PROXIES", "0") or 0)
if _proxies > 0:
    from werkzeug.middleware.proxy_fix import ProxyFix

    server.wsgi_app = ProxyFix(server.wsgi_app, x_for=_proxies, x_proto=_proxies)
