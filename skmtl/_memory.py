"""How much memory this process may still allocate, and a check before large allocations.

An estimator that is about to allocate gigabytes (a kernel Gram matrix, a
batch of activations) calls :func:`check_memory` first, so that data too large
for the machine fail at once with the size and what to do, rather than
minutes later with NumPy's "Unable to allocate" or the kernel's OOM killer.

The memory available is the tightest of the limits this process runs under:

* the machine: ``MemAvailable`` in ``/proc/meminfo``;
* a container (cgroup v2): ``memory.max`` minus ``memory.current`` of the
  process's cgroup and of its ancestors;
* a container (cgroup v1): ``memory.limit_in_bytes`` minus
  ``memory.usage_in_bytes`` of the memory controller's cgroup;
* ``ulimit -v`` (``RLIMIT_AS``): the soft limit minus the process's virtual
  size (``VmSize`` in ``/proc/self/status``), and likewise ``ulimit -d``
  (``RLIMIT_DATA``) against ``VmData``.

A cgroup's usage includes page cache that the kernel reclaims before it
refuses memory, so the inactive file cache (``inactive_file`` of
``memory.stat``) is not counted as used, as ``docker stats`` and the kubelet
do. Unlimited settings ('max', cgroup v1's huge 'unlimited' value,
``RLIM_INFINITY``) and unreadable files are ignored. This module uses the
standard library only; both the kernel and the neural estimators use it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

try:
    import resource
except ImportError:  # not on Windows
    resource = None

# Paths as module constants, so that tests can point them at fake files.
PROC_MEMINFO = "/proc/meminfo"
PROC_SELF_STATUS = "/proc/self/status"
PROC_SELF_CGROUP = "/proc/self/cgroup"
CGROUP_ROOT = "/sys/fs/cgroup"

#: A check refuses an allocation above this fraction of the available memory:
#: the rest is headroom for the temporaries around it and for other processes.
SAFETY_FRACTION = 0.9

# cgroup v1 writes "no limit" as LONG_MAX rounded down to a page (~8 EiB).
_UNLIMITED = 1 << 60


@dataclass(frozen=True)
class MemoryLimit:
    """Bytes still available under one limit, and where that figure comes from."""

    available: int
    source: str


def format_bytes(n_bytes: float) -> str:
    """``n_bytes`` in GiB, or MiB / KiB below one GiB: '3.2 GiB', '80.0 KiB'."""
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(n_bytes) >= size:
            return f"{n_bytes / size:.1f} {unit}"
    return f"{int(n_bytes)} bytes"


def _read(path: str) -> str | None:
    try:
        with open(path) as file:
            return file.read()
    except (OSError, UnicodeDecodeError):
        return None


def _read_int(path: str) -> int | None:
    """An integer file such as ``memory.max``; None when absent or 'max'."""
    text = _read(path)
    if text is None:
        return None
    try:
        return int(text.split()[0])
    except (ValueError, IndexError):
        return None  # 'max': no limit


def _keyed_value(text: str | None, key: str, separator: str = " ") -> int | None:
    """The number after ``key`` in a 'key value' file (memory.stat, /proc/meminfo)."""
    if text is None:
        return None
    for line in text.splitlines():
        name, _, rest = line.partition(separator)
        if name.strip() == key:
            try:
                return int(rest.split()[0])
            except (ValueError, IndexError):
                return None
    return None


def meminfo_limit() -> MemoryLimit | None:
    """The machine: ``MemAvailable`` (free memory plus reclaimable cache)."""
    kib = _keyed_value(_read(PROC_MEMINFO), "MemAvailable", ":")
    if kib is not None:
        return MemoryLimit(kib * 1024, f"MemAvailable in {PROC_MEMINFO}")
    try:  # not Linux: free pages (a lower bound of what is available)
        pages = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return MemoryLimit(pages, "free physical memory")


def _cgroup_paths() -> dict[str, str]:
    """The process's cgroup per hierarchy: {'': v2 path, 'memory': v1 path}."""
    paths = {}
    for line in (_read(PROC_SELF_CGROUP) or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":
            paths[""] = path
        elif "memory" in controllers.split(","):
            paths["memory"] = path
    return paths


def _candidate_dirs(root: str, path: str | None) -> list[str]:
    """The cgroup directory of ``path`` under ``root`` and its ancestors up to ``root``.

    Inside a container the cgroup file system is usually mounted at the
    container's own cgroup, so ``root`` itself is a candidate too.
    """
    dirs = [root]
    parts = [p for p in (path or "").split("/") if p]
    for depth in range(1, len(parts) + 1):
        dirs.append(os.path.join(root, *parts[:depth]))
    return [d for d in dirs if os.path.isdir(d)]


def _tightest(limits: list[MemoryLimit]) -> MemoryLimit | None:
    return min(limits, key=lambda limit: limit.available) if limits else None


def cgroup_v2_limit() -> MemoryLimit | None:
    """cgroup v2: the smallest ``memory.max - (memory.current - inactive_file)``."""
    limits = []
    for directory in _candidate_dirs(CGROUP_ROOT, _cgroup_paths().get("")):
        limit = _read_int(os.path.join(directory, "memory.max"))
        usage = _read_int(os.path.join(directory, "memory.current"))
        if limit is None or usage is None or limit >= _UNLIMITED:
            continue
        cache = _keyed_value(_read(os.path.join(directory, "memory.stat")), "inactive_file") or 0
        used = max(usage - cache, 0)
        limits.append(MemoryLimit(
            max(limit - used, 0),
            f"cgroup v2 limit {format_bytes(limit)} in {directory}/memory.max, "
            f"{format_bytes(used)} in use",
        ))
    return _tightest(limits)


def cgroup_v1_limit() -> MemoryLimit | None:
    """cgroup v1: the smallest ``memory.limit_in_bytes - (memory.usage_in_bytes - inactive file)``."""
    root = os.path.join(CGROUP_ROOT, "memory")
    limits = []
    for directory in _candidate_dirs(root, _cgroup_paths().get("memory")):
        limit = _read_int(os.path.join(directory, "memory.limit_in_bytes"))
        usage = _read_int(os.path.join(directory, "memory.usage_in_bytes"))
        stat = _read(os.path.join(directory, "memory.stat"))
        hierarchical = _keyed_value(stat, "hierarchical_memory_limit")
        if limit is not None and hierarchical is not None:
            limit = min(limit, hierarchical)  # an ancestor's limit applies too
        if limit is None or usage is None or limit >= _UNLIMITED:
            continue
        cache = _keyed_value(stat, "total_inactive_file")
        if cache is None:
            cache = _keyed_value(stat, "inactive_file") or 0
        used = max(usage - cache, 0)
        limits.append(MemoryLimit(
            max(limit - used, 0),
            f"cgroup v1 limit {format_bytes(limit)} in {directory}/memory.limit_in_bytes, "
            f"{format_bytes(used)} in use",
        ))
    return _tightest(limits)


def _getrlimit(name: str) -> tuple[int, int] | None:
    """``resource.getrlimit`` of ``RLIMIT_<name>``; None where unsupported."""
    if resource is None or not hasattr(resource, f"RLIMIT_{name}"):
        return None
    try:
        return resource.getrlimit(getattr(resource, f"RLIMIT_{name}"))
    except (OSError, ValueError):
        return None


def _is_infinite(value: int) -> bool:
    infinity = getattr(resource, "RLIM_INFINITY", -1) if resource is not None else -1
    return value == infinity or value < 0 or value >= _UNLIMITED


def rlimit_limits() -> list[MemoryLimit]:
    """``ulimit -v`` (RLIMIT_AS) minus VmSize and ``ulimit -d`` (RLIMIT_DATA) minus VmData."""
    status = _read(PROC_SELF_STATUS)
    limits = []
    for name, field, flag in (("AS", "VmSize", "-v"), ("DATA", "VmData", "-d")):
        rlimit = _getrlimit(name)
        if rlimit is None or _is_infinite(rlimit[0]):
            continue
        soft = rlimit[0]
        kib = _keyed_value(status, field, ":")
        used = 0 if kib is None else kib * 1024
        limits.append(MemoryLimit(
            max(soft - used, 0),
            f"RLIMIT_{name} (ulimit {flag}) {format_bytes(soft)}, "
            f"{format_bytes(used)} of it in use ({field})",
        ))
    return limits


def memory_limits() -> list[MemoryLimit]:
    """Every limit that applies to this process, with the bytes still available under it."""
    limits = [meminfo_limit(), cgroup_v2_limit(), cgroup_v1_limit(), *rlimit_limits()]
    return [limit for limit in limits if limit is not None]


def tightest_memory_limit() -> MemoryLimit | None:
    """The limit that leaves the least memory, or None when none is known."""
    return _tightest(memory_limits())


def available_memory() -> int | None:
    """Bytes this process can still allocate (the tightest limit), or None if unknown."""
    limit = tightest_memory_limit()
    return None if limit is None else limit.available


def check_memory(n_bytes: int, what: str, advice: str, *,
                 fraction: float = SAFETY_FRACTION) -> None:
    """Raise MemoryError, before allocating, when ``n_bytes`` would not fit.

    Parameters
    ----------
    n_bytes : int
        The bytes about to be allocated (everything live at once).
    what : str
        What they are for, as the subject of the message: 'training Gram matrix'.
    advice : str
        What the user can do instead, one or two sentences.
    fraction : float, default=0.9
        Refuse above this fraction of the available memory.

    Examples
    --------
    >>> check_memory(1024, "buffer", "Use a smaller one.")  # fits: nothing happens
    """
    limit = tightest_memory_limit()
    if limit is None or n_bytes <= fraction * limit.available:
        return
    raise MemoryError(
        f"The {what} would need {format_bytes(n_bytes)}, but only "
        f"{format_bytes(limit.available)} of memory is available ({limit.source}). {advice}"
    )
