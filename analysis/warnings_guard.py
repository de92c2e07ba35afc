"""Warning filters set for a block of code, safely when the fit runs its families on threads.

``warnings.catch_warnings()`` saves and restores the process-wide filter list, so two threads
inside such blocks at once can drop or apply each other's filters (the Python docs: not
thread-safe). One block at a time holds this module's lock; a thread may nest blocks.
The fallback logit turns statsmodels' separation warning into its refusal inside such a block,
so without the lock a model could be fitted or refused depending on the other thread's timing.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

_LOCK = threading.RLock()


@contextmanager
def filters(*rules: tuple[str, type[Warning]]) -> Iterator[None]:
    """Within the block, ``warnings.simplefilter(action, category)`` for each ``(action, category)``
    of ``rules`` (later rules take precedence), with no other thread's filter block in between.

    Parameters
    ----------
    *rules : (str, type) pairs
        An action (``"ignore"``, ``"error"``, ...) and the warning class it applies to.
    """
    with _LOCK, warnings.catch_warnings():
        for action, category in rules:
            warnings.simplefilter(action, category)
        yield
