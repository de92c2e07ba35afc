"""WSGI entry point for a production server with several workers.

    CALMLINE_DB=/path/calmline.duckdb gunicorn -w 2 -b 0.0.0.0:8050 dashboard.wsgi:server

Each worker builds its own app; data is read per request through read-only
connections, one per thread, so workers and threads share nothing but the file.
"""

from __future__ import annotations

import os
from pathlib import Path

from dashboard.app import Settings, create_app

server = create_app(Settings(db=Path(os.environ.get("CALMLINE_DB", "calmline.duckdb")))).server
