"""Peak resident memory of a process, for the benchmarks' memory figures.

VmHWM of ``/proc/PID/status`` is the peak resident size since the process's
``exec`` (or since ``reset_peak_rss``); ``ru_maxrss`` would keep a forking
parent's peak, so it is only the fallback off Linux, for this process.
"""

from __future__ import annotations

import resource
import sys


def vmhwm_mib(pid="self"):
    """Peak resident memory (VmHWM) of a process, in MiB; None if unreadable."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return None


def peak_rss_mib():
    """This process's peak resident memory, in MiB (ru_maxrss where VmHWM is unreadable)."""
    peak = vmhwm_mib()
    if peak is None:  # not Linux: ru_maxrss is KiB on Linux, bytes on macOS
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (2**20 if sys.platform == "darwin" else 1024)
    return peak


def reset_peak_rss():
    """Reset VmHWM to the current resident size (Linux >= 4.0); False where it cannot."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False
