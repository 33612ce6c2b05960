"""The compiled solvers' decorator falls back to compiling per process without a cache."""

import numba.core.caching

from skmtl._compiled import compiled


def test_without_a_writable_cache_the_loops_still_compile(monkeypatch):
    # No locator: numba's error for a read-only install and no home folder.
    monkeypatch.setattr(numba.core.caching.CacheImpl, "_locator_classes", [])

    @compiled(nogil=True)
    def add(a, b):
        return a + b

    assert add(2, 3) == 5
