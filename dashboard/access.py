"""The dashboard's settings, who may use the dashboard, and who may use the query explorer.

:class:`Settings` is what ``create_app`` is given; the app keeps it, and everything that
needs to know what is served reads it back through :func:`settings`, the one way to it.

Sign-in is HTTP basic authentication (dash-auth) against a users file named by the
``CALMLINE_USERS`` environment variable (or ``calmline serve --users``), a TOML file::

    [users.dana]                      # a CX director
    password_hash = "scrypt:32768:8:1$..."    # from `calmline password`
    roles = ["director"]

    [users.ali]
    password_hash = "scrypt:32768:8:1$..."
    roles = ["analyst", "trainer"]

Roles are director, trainer and analyst; only analysts see the query explorer. Passwords
are stored as werkzeug hashes, never in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

import dash
import flask

from calmline.explorer.sandbox import Limits

ROLES = ("director", "trainer", "analyst")
EXPLORER_ROLE = "analyst"


@dataclass(frozen=True)
class User:
    name: str
    password_hash: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Settings:
    """What the app serves and how."""

    db: Path
    title: str = "calmline"
    explorer: bool = True
    """Serve the query explorer (analysts' own SQL, sandboxed)."""
    users: dict[str, User] | None = None
    """Sign-in required for these users; None: no sign-in."""
    limits: Limits = Limits()
    """The explorer's time, memory and row limits."""


_EXTENSION = "calmline"
"""Where the app keeps its settings: its Flask server's ``extensions``, Flask's place for them."""


def keep(app: dash.Dash, chosen: Settings) -> None:
    """Store ``chosen`` on ``app``, once, for :func:`settings` to return."""
    app.server.extensions[_EXTENSION] = chosen


def settings() -> Settings:
    """The settings of the running app (the one serving this request or callback, else the
    app created last, as in tests that call callbacks directly)."""
    return dash.get_app().server.extensions[_EXTENSION]


def explorer_refusal(chosen: Settings, username: str | None) -> str | None:
    """Why ``username`` (None: not signed in) may not use the explorer under ``chosen``; None if they may."""
    if not chosen.explorer:
        return "The query explorer is switched off on this server."
    if chosen.users is None:  # no sign-in: only ever served on loopback
        return None
    user = chosen.users.get(username) if username else None
    if user is None or EXPLORER_ROLE not in user.roles:
        return "The query explorer is for analysts; ask an administrator for the analyst role."
    return None


def signed_in_user() -> str | None:
    """The name this request signed in with (basic authentication), None outside a request or unsigned."""
    auth = flask.request.authorization if flask.has_request_context() else None
    return auth.username if auth else None


class UsersFileError(ValueError):
    """The users file cannot be used; the message names the file and, where known, the line."""


def read_users(path: Path) -> dict[str, User]:
    """The users in ``path``; :class:`UsersFileError` saying what is wrong otherwise."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsersFileError(f"{path}: no such users file") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsersFileError(f"{path}: not valid TOML: {exc}") from None
    table = raw.get("users")
    if not isinstance(table, dict) or not table:
        raise UsersFileError(f"{path}: no [users.NAME] tables")
    users = {}
    for name, entry in table.items():
        where = f"{path}: [users.{name}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("password_hash"), str):
            raise UsersFileError(f"{where}: needs password_hash = \"...\" (make one with `calmline password`)")
        if not entry["password_hash"].count("$") >= 2:
            raise UsersFileError(f"{where}: password_hash is not a werkzeug hash (use `calmline password`)")
        roles = entry.get("roles", [])
        if not isinstance(roles, list) or not roles or any(r not in ROLES for r in roles):
            raise UsersFileError(f"{where}: roles must be a non-empty list of {', '.join(ROLES)}; got {roles!r}")
        users[name] = User(name, entry["password_hash"], tuple(roles))
    return users


class PasswordCheck:
    """Checks a user's password, paying for the slow hash once per user and process.

    Basic authentication sends the password with every request, and a werkzeug scrypt
    check takes about 0.1 s of CPU: paid on every callback it would be most of each
    response's time. After a password has checked out once, a keyed digest of it (HMAC
    with a key that lives only in this process) is kept for the user, and later requests
    with the same password compare against that instead. Wrong passwords always pay the
    full hash, so guessing stays slow.
    """

    def __init__(self, users: dict[str, User]) -> None:
        self._users = users
        self._key = secrets.token_bytes(32)
        self._good: dict[str, bytes] = {}

    def __call__(self, username: str, password: str) -> bool:
        from werkzeug.security import check_password_hash

        user = self._users.get(username)
        if user is None:
            return False
        tag = hmac.new(self._key, f"{user.password_hash}\0{password}".encode(), hashlib.sha256).digest()
        if hmac.compare_digest(self._good.get(username, b""), tag):
            return True
        if not check_password_hash(user.password_hash, password):
            return False
        self._good[username] = tag
        return True


def protect(app, users: dict[str, User]) -> None:
    """Require sign-in for every page and callback of ``app``."""
    import dash_auth

    dash_auth.BasicAuth(app, auth_func=PasswordCheck(users),
                        user_groups={u.name: list(u.roles) for u in users.values()},
                        secret_key=secrets.token_hex(32))


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine."""
    return host in ("localhost", "::1") or host.startswith("127.")
