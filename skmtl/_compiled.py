"""numba's ``njit`` with its on-disk cache where one can be written.

The solvers' inner loops (dual coordinate descent, SMO) are compiled on their
first call, a second or two each, and cached next to the source (or in the
user's cache folder) for the processes after. Where neither can be written
(a read-only install run by a user without a home folder), numba refuses to
decorate a function with ``cache=True`` at import time; the loops then
compile in each process instead.
"""

from __future__ import annotations

from numba import njit


def compiled(**options):
    """``numba.njit(cache=True, **options)``, or without the cache where none can be written.

    Examples
    --------
    >>> @compiled()
    ... def twice(x):
    ...     return 2 * x
    >>> twice(21)
    42
    """

    def decorate(function):
        try:
            return njit(cache=True, **options)(function)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            return njit(**options)(function)

    return decorate
