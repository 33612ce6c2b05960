"""A one-line text progress bar for long loops (no dependency)."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """Draw ``label [#####.....] done/total  elapsed`` on one line of a stream.

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
    """

    def __init__(self, total, label, *, stream=None, enabled=True, width=30):
        self.total = total
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled
        self.width = width
        self.done = 0

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
        self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total}  {elapsed:.1f} s")
        self.stream.flush()

    def __exit__(self, *exc):
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
        return False
