"""The child process of :class:`calmline.explorer.isolation.QueryProcess`.

``python -m calmline.explorer.query_child FD``: FD is its end of a socket pair. It reads
(db, limits, niceness, margin, idle seconds), lowers its CPU priority, opens a
:class:`~calmline.explorer.sandbox.Sandbox`, caps its own address space, answers ``("ok",
None)`` or ``("error", exception)``, then serves ``(method, args, kwargs)`` requests one at a
time until the socket closes or it has been idle too long.
"""

from __future__ import annotations

import os
import resource
import sys
from multiprocessing.connection import Connection

from calmline.explorer.gate import QueryFailed
from calmline.explorer.sandbox import Sandbox, _bytes

METHODS = {"run", "saved", "schema"}


def _status(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def _cap_address_space(memory: str, margin: int) -> None:
    """From now on the process may grow by at most ``memory`` (less what it holds) + ``margin``."""
    if not sys.platform.startswith("linux"):
        return
    room = max(int(_bytes(memory)) - _status("VmRSS"), 0) + margin
    cap = _status("VmSize") + room
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def serve(conn: Connection) -> None:
    db, limits, niceness, margin, idle = conn.recv()
    if niceness and hasattr(os, "setpriority"):  # at least this niceness (it may have inherited more)
        os.setpriority(os.PRIO_PROCESS, 0, max(niceness, os.getpriority(os.PRIO_PROCESS, 0)))
    try:
        box = Sandbox(db, limits)
        _cap_address_space(limits.memory, margin)
    except Exception as exc:  # the parent's to report
        conn.send(("error", exc))
        return
    conn.send(("ok", None))
    while conn.poll(idle):
        try:
            request = conn.recv()
        except EOFError:
            break
        method, args, kwargs = request
        try:
            if method not in METHODS:
                raise ValueError(f"unknown request {method!r}")
            conn.send(("ok", getattr(box, method)(*args, **kwargs)))
        except MemoryError:
            conn.send(("error", QueryFailed("memory", f"The query was stopped at the memory limit of "
                                            f"{limits.memory}. Narrow it down (filter, aggregate, "
                                            "fewer columns) and run it again.")))
        except Exception as exc:
            conn.send(("error", exc))
    box.close()


if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])))
