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
import math
import secrets
import threading
import time
import tomllib
from collections import deque
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
    user_library: Path | None = None
    """The writable SQLite file of the analysts' own saved queries; None: beside ``db``
    (:func:`calmline.explorer.user_library.default_path`)."""
    rules: Path | None = None
    """The `calmline notify` rules file the Alerts page lists; None: the page says how to set one up."""


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
    full hash, so guessing stays slow; a name that is not a user pays it too (against a
    hash of a random password made like the users' own), so the time taken does not tell
    which names are users.
    """

    def __init__(self, users: dict[str, User]) -> None:
        from werkzeug.security import generate_password_hash

        self._users = users
        self._key = secrets.token_bytes(32)
        self._good: dict[str, bytes] = {}
        method = next(iter(users.values())).password_hash.split("$", 1)[0] if users else "scrypt"
        try:
            self._dummy = generate_password_hash(secrets.token_hex(16), method=method)
        except ValueError:  # a method werkzeug cannot make: the default one
            self._dummy = generate_password_hash(secrets.token_hex(16))

    def _tag(self, user: User, password: str) -> bytes:
        return hmac.new(self._key, f"{user.password_hash}\0{password}".encode(), hashlib.sha256).digest()

    def remembered(self, username: str, password: str) -> bool:
        """Whether ``password`` is the one already checked out for ``username`` (cheap, no hash)."""
        user = self._users.get(username)
        return user is not None and hmac.compare_digest(self._good.get(username, b""), self._tag(user, password))

    def __call__(self, username: str, password: str) -> bool:
        from werkzeug.security import check_password_hash

        user = self._users.get(username)
        if user is None:
            check_password_hash(self._dummy, password)  # the same cost as a user's wrong password
            return False
        tag = self._tag(user, password)
        if hmac.compare_digest(self._good.get(username, b""), tag):
            return True
        if not check_password_hash(user.password_hash, password):
            return False
        self._good[username] = tag
        return True


class Throttle:
    """Failed sign-ins per key (a client address, a user name) within a sliding window.

    After ``limit`` failures within ``window`` seconds a key must wait until the oldest of
    them is out of the window. At most ``max_keys`` keys are remembered (the oldest are
    forgotten first), so guessing under many names cannot fill the memory. Thread-safe.
    """

    def __init__(self, limit: int, window: float, *, max_keys: int = 10_000, clock=time.monotonic) -> None:
        self.limit, self.window, self.max_keys, self._clock = limit, window, max_keys, clock
        self._failures: dict[str, deque] = {}
        self._lock = threading.Lock()

    def wait(self, key: str) -> float:
        """Seconds ``key`` must wait before its next try is checked (0: it may try now)."""
        with self._lock:
            times = self._recent(key)
            if times is None or len(times) < self.limit:
                return 0.0
            return max(0.001, times[0] + self.window - self._clock())

    def failed(self, key: str) -> None:
        """Count a failed try by ``key``."""
        with self._lock:
            times = self._recent(key)
            if times is None:
                if len(self._failures) >= self.max_keys:
                    self._forget()
                times = self._failures[key] = deque(maxlen=self.limit)
            times.append(self._clock())

    def _recent(self, key: str) -> deque | None:
        times = self._failures.get(key)
        if times is not None:
            while times and times[0] <= self._clock() - self.window:
                times.popleft()
        return times

    def _forget(self) -> None:
        now = self._clock()
        for key in [k for k, t in self._failures.items() if not t or t[-1] <= now - self.window]:
            del self._failures[key]
        while len(self._failures) >= self.max_keys:
            del self._failures[next(iter(self._failures))]


ADDRESS_FAILURES = (10, 300.0)
"""(failures, seconds): a client address that failed this often must wait (HTTP 429)."""
NAME_FAILURES = (5, 300.0)
"""(failures, seconds): a user name that failed this often must wait (HTTP 429)."""
TOO_MANY = b"Too many failed sign-ins; try again later.\n"
BUSY = b"The server is busy checking sign-ins; try again in a moment.\n"
HASHING_AT_ONCE = 1
"""Slow password checks running at once, at most; a try finding them all busy waits its turn."""
HASH_WAIT_SECONDS = 2.0
"""How long a try waits for its turn at the password check before it is answered 503 (busy, not a
failed sign-in, and not counted as one). Long enough for a worker's threads that all ask with the
same user's password on their first requests (one hashes, 0.1 s of CPU or several times that under
load; the others then compare its digest); short, because a waiting try holds a server thread, and
a flood of wrong passwords from many addresses must not keep the signed-in users' requests (which
skip the queue) from finding one."""
HELD_AT_ONCE, HOLD_SECONDS = 4, 1.0
"""Refused tries from a limited client kept waiting at once, at most, and for how long (it sends fewer)."""


def _sign_in_class():
    import dash_auth

    class SignIn(dash_auth.BasicAuth):
        """dash-auth's basic authentication, hardened.

        - The ``Authorization`` header is read by werkzeug: the scheme in any case (``basic``
          is legal, RFC 7617) and a malformed header is a 401, not a server error.
        - Failed tries are counted per client address and per user name (:class:`Throttle`);
          past the limit a try is answered 429 with ``Retry-After`` at once, without hashing.
          A user whose password already checked out in this process, from an address it
          signed in from before, is let in even then, so guessing at a name from elsewhere
          does not lock its owner out.
        - At most :data:`HASHING_AT_ONCE` slow hashes run at once, so a flood of tries from
          many addresses takes a bounded share of the CPU. A try waits its turn (up to
          :data:`HASH_WAIT_SECONDS`, then 503, never 429: being slow is not a failed sign-in),
          and a password that checked out while it waited is not hashed again.
        """

        def __init__(self, app, users: dict[str, User]) -> None:
            self._check = PasswordCheck(users)
            self._addresses = Throttle(*ADDRESS_FAILURES)
            self._names = Throttle(*NAME_FAILURES)
            self._hashing = threading.BoundedSemaphore(HASHING_AT_ONCE)
            self._trusted: set[tuple[str, str]] = set()
            self._holding = threading.BoundedSemaphore(HELD_AT_ONCE)
            super().__init__(app, auth_func=self._check,
                             user_groups={u.name: list(u.roles) for u in users.values()},
                             secret_key=secrets.token_hex(32))
            app.server.wsgi_app = self._refuse_early(app.server.wsgi_app)

        def _refuse_early(self, wsgi_app):
            """``wsgi_app`` behind a check that answers a limited client address's tries before
            Flask and Dash see them: a flood of refused tries must cost next to nothing."""
            from werkzeug.datastructures import Authorization

            def refuse_early(environ, start_response):
                address = environ.get("REMOTE_ADDR") or "unknown"
                wait = self._addresses.wait(address)
                if wait:
                    auth = Authorization.from_header(environ.get("HTTP_AUTHORIZATION"))
                    let_in = (auth is not None and auth.type == "basic" and (auth.username, address) in self._trusted
                              and self._check.remembered(auth.username, auth.password or ""))
                    if not let_in:
                        self._hold(wait)
                        start_response("429 Too Many Requests", [
                            ("Content-Type", "text/plain; charset=utf-8"), ("Retry-After", str(math.ceil(wait)))])
                        return [TOO_MANY]
                return wsgi_app(environ, start_response)

            return refuse_early

        def _hold(self, wait: float) -> None:
            """Keep a limited client waiting a moment before its answer (while few are kept), so a
            client sending tries as fast as it is answered sends few; beyond that it is answered at
            once, so a flood cannot hold every server thread."""
            if self._holding.acquire(blocking=False):
                try:
                    time.sleep(min(wait, HOLD_SECONDS))
                finally:
                    self._holding.release()

        def is_authorized(self) -> bool:
            flask.g.calmline_retry_after = None
            flask.g.calmline_busy = False
            auth = flask.request.authorization  # None for a malformed header
            if auth is None or auth.type != "basic" or not auth.username:
                return False
            name, password = auth.username, auth.password or ""
            address = flask.request.remote_addr or "unknown"
            wait = max(self._addresses.wait(address), self._names.wait(name))
            if self._check.remembered(name, password) and (not wait or (name, address) in self._trusted):
                return self._signed_in(name, address)
            if wait:
                flask.g.calmline_retry_after = wait
                return False
            if not self._hashing.acquire(timeout=HASH_WAIT_SECONDS):
                flask.g.calmline_busy = True
                return False
            try:
                # a request with the same password that held the turn before this one has made it
                # remembered: then this compares a digest and does not hash again
                good = self._check(name, password)
            finally:
                self._hashing.release()
            if not good:
                self._addresses.failed(address)
                self._names.failed(name)
                return False
            return self._signed_in(name, address)

        def _signed_in(self, name: str, address: str) -> bool:
            if len(self._trusted) >= 10_000:
                self._trusted.clear()
            self._trusted.add((name, address))
            flask.session["user"] = {"email": name, "groups": list(self._user_groups.get(name, []))}
            return True

        def login_request(self):
            if flask.g.get("calmline_busy"):
                return flask.Response(BUSY, status=503, mimetype="text/plain", headers={"Retry-After": "1"})
            wait = flask.g.get("calmline_retry_after")
            if wait:
                return flask.Response(TOO_MANY, status=429, mimetype="text/plain",
                                      headers={"Retry-After": str(math.ceil(wait))})
            return super().login_request()

    return SignIn


def protect(app, users: dict[str, User]) -> None:
    """Require sign-in for every page and callback of ``app`` (see ``SignIn`` in this module)."""
    _sign_in_class()(app, users)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine."""
    return host in ("localhost", "::1") or host.startswith("127.")
