"""A one-line text progress bar for long loops (no dependency)."""

from __future__ import annotations

import sys
import time


def _duration(seconds: float) -> str:
    """'42 s', '3 min 5 s' or '2 h 10 min': a time left, to the precision that matters."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


class ProgressBar:
    """Draw ``label [#####.....] done/total  elapsed, about ... left`` on one line of a stream.

    The time left is estimated from the mean time of the steps done so far.

    Parameters
    ----------
    total : int
        Number of steps.
    label : str
        Text before the bar.
    stream : file-like, default=sys.stderr
        Where to draw; progress goes to stderr so that stdout stays clean.
    enabled : bool, default=True
        False draws nothing (so callers need no ``if verbose`` around calls).

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> with ProgressBar(2, "fits", stream=out, width=4) as bar:
    ...     bar.advance()
    ...     bar.advance()
    >>> out.getvalue().splitlines()[-1].split("  ")[0]
    'fits [####] 2/2'
    >>> _duration(42.4), _duration(185), _duration(7800)
    ('42 s', '3 min 5 s', '2 h 10 min')
    """

    def __init__(self, total, label, *, stream=None, enabled=True, width=30):
        self.total = total
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled
        self.width = width
        self.done = 0
        self._longest = 0  # the longest line drawn, to pad shorter ones over it

    def __enter__(self):
        self._start = time.perf_counter()
        self._draw()
        return self

    def advance(self, steps=1):
        """Record finished steps and redraw."""
        self.done += steps
        self._draw()

    def _draw(self):
        if not self.enabled:
            return
        filled = self.width * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (self.width - filled)
        elapsed = time.perf_counter() - self._start
        left = ""
        if 0 < self.done < self.total:  # the steps so far, at their mean pace
            left = f", about {_duration(elapsed / self.done * (self.total - self.done))} left"
        # Pad over what a longer previous line (with its estimate) left behind.
        line = f"{self.label} [{bar}] {self.done}/{self.total}  {elapsed:.1f} s{left}"
        self.stream.write(f"\r{line:<{self._longest}}")
        self._longest = max(self._longest, len(line))
        self.stream.flush()

    def __exit__(self, *exc):
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
        return False
