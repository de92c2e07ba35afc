"""Named, seeded random streams.

Each part of the generator draws from its own stream, derived from the seed and
the part's name, so adding draws to one part never shifts the numbers of another.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """Return the random generator for one named part of the world.

    Parameters
    ----------
    seed : int
        The world's seed (non-negative).
    name : str
        Name of the part, e.g. ``"customers"``.

    Returns
    -------
    numpy.random.Generator
        Same ``(seed, name)`` always gives the same stream.
    """
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(name.encode())]))
