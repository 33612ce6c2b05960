"""Progress reporting: the hook through which long loops report, and a one-line bar.

A long loop (the networks' epochs, the SMO solver's steps, a Newton solver's
iterations) calls :func:`tick` with the fraction of its work done so far.
Whoever wants to know installs a callback around the work with
:func:`progress_ticks`; nobody listening, a tick costs one context-variable
lookup. :class:`ProgressBar` listens while it is open: a tick is progress
within its current step, so a bar of fits moves during each fit, not only
between them.

The callback is held in a :class:`contextvars.ContextVar`, so it reaches the
code that runs in the context that installed it, and nothing else: a fit run
by another thread, a joblib worker process or a dask worker does not tick the
bar (the bar then moves when the whole fit is done), and two bars in two
threads never see each other's ticks.

Examples
--------
A loop of known length reports the share of it done:

>>> seen = []
>>> with progress_ticks(seen.append):
...     for epoch in range(1, 5):
...         tick(epoch / 4)
>>> seen
[0.25, 0.5, 0.75, 1.0]
>>> tick(0.5)  # nobody listening: nothing happens

A solver that stops on a tolerance reports how far its error went down, on a
log scale, and a fit that runs several solves gives each its part:

>>> log_progress(1.0, 0.01, 1e-4)  # from 1 down to 1e-4, at 1e-2: half way
0.5
>>> seen.clear()
>>> with progress_ticks(seen.append):
...     for k in range(2):
...         with progress_part(k, 2):
...             tick(0.5)
...             tick(1.0)
>>> seen
[0.25, 0.5, 0.75, 1.0]
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import sys
import threading
from time import perf_counter

import numpy as np

_listener = contextvars.ContextVar("skmtl_progress_listener", default=None)


@contextlib.contextmanager
def progress_ticks(callback):
    """Within the block, every :func:`tick` of this context calls ``callback(fraction)``.

    Parameters
    ----------
    callback : callable
        Called with the fraction (in [0, 1]) that the ticking loop reports.
        It runs inside the loop, so it should be quick.
    """
    token = _listener.set(callback)
    try:
        yield
    finally:
        _listener.reset(token)


def tick(fraction):
    """Report that ``fraction`` (in [0, 1]) of the running work is done.

    A loop calls it at each pass (an epoch, a few solver steps) with the
    share of its work done so far, not an increment: a loop that stops early
    (early stopping, a tolerance reached) simply ends; whoever listens counts
    the work as done when it returns. Nobody listening, it does nothing.
    """
    callback = _listener.get()
    if callback is not None:
        callback(fraction)


@contextlib.contextmanager
def progress_part(index, count):
    """Within the block, a fraction ``f`` reported by :func:`tick` is ``(index + f) / count`` of the work.

    For work made of ``count`` similar parts run one after the other (the
    binary problems of a one-vs-rest fit, the folds of a calibration): each
    part's loop reports its own fraction, and the listener sees the whole.
    """
    outer = _listener.get()
    if outer is None:  # nobody listening: nothing to map
        yield
        return
    with progress_ticks(lambda fraction: outer((index + fraction) / count)):
        yield


def log_progress(start, now, goal):
    """The share of the way from ``start`` down to ``goal`` that ``now`` has gone, on a log scale, in [0, 1].

    The progress of a solver that stops when an error (a KKT gap, a gradient
    norm) falls below a tolerance: such errors fall by a roughly constant
    factor per step, so the log scale moves at a steady pace where a linear
    one would sit near 1 from the first steps on.
    """
    if not (start > goal > 0 and now > 0):
        return 1.0 if now <= goal else 0.0
    return min(max(math.log(start / now) / math.log(start / goal), 0.0), 1.0)


def format_seconds(seconds: float) -> str:
    """A duration as the command prints every one (fit times, time taken, time left).

    Under a minute, three significant digits in seconds, to a tenth of a
    millisecond at most ('0.0622 s', '1.23 s', '42.5 s', '0.0001 s'); then
    minutes and seconds ('2 min 05 s'), and from an hour on hours and
    minutes ('1 h 05 min'): the precision that matters at each scale.

    Parameters
    ----------
    seconds : float
        The duration, at least 0.

    Returns
    -------
    str
        The duration in words.

    Examples
    --------
    >>> [format_seconds(s) for s in (0.0622, 1.234, 42.46, 125, 3900)]
    ['0.0622 s', '1.23 s', '42.5 s', '2 min 05 s', '1 h 05 min']
    """
    short = round(float(f"{seconds:.3g}"), 4)  # finer than 0.1 ms is the clock's noise
    if short < 60:
        return f"{np.format_float_positional(short, trim='-')} s"
    whole = int(round(seconds))
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    minutes = int(round(seconds / 60))
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _is_terminal(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class StatusLine:
    """One line of text on a stream that says where a long task stands, updated as it goes.

    On a terminal the line is redrawn in place (a carriage return, padded
    over the longer text before it), at most ten times a second. Elsewhere (a
    file, a pipe: a log) each update is a line of its own, at most one a
    second, so that a log is not flooded; the text held back by that limit is
    written on :meth:`close`.

    Parameters
    ----------
    stream : file-like, default=sys.stderr
        Where to write; progress goes to stderr so that stdout stays clean.
    enabled : bool, default=True
        False writes nothing (so callers need no ``if verbose`` around calls).

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()  # not a terminal: one line per update
    >>> line = StatusLine(out)
    >>> line.show("reading data.csv ...")
    >>> line.show("reading data.csv: half way")  # less than a second later: held back
    >>> line.show("read data.csv in 0.1 s", force=True)
    >>> line.close()
    >>> out.getvalue().splitlines()
    ['reading data.csv ...', 'read data.csv in 0.1 s']
    """

    #: Least seconds between two updates on a terminal, and elsewhere.
    TERMINAL_INTERVAL = 0.1
    LOG_INTERVAL = 1.0

    def __init__(self, stream=None, *, enabled=True):
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled
        self.in_place = _is_terminal(self.stream)
        self.interval = self.TERMINAL_INTERVAL if self.in_place else self.LOG_INTERVAL
        self._written = -math.inf  # when the last update was written
        self._held = None  # the latest text not written yet
        self._longest = 0  # the longest text drawn in place, to pad shorter ones over it

    def show(self, text, *, force=False):
        """Write ``text`` as the line's new state, unless the last update is too recent (or ``force``)."""
        if not self.enabled:
            return
        now = perf_counter()
        if not force and now - self._written < self.interval:
            self._held = text
            return
        self._held = None
        self._written = now
        if self.in_place:
            self.stream.write(f"\r{text:<{self._longest}}")
            self._longest = max(self._longest, len(text))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self, text=None):
        """Write the update held back, as ``text`` if given (its up-to-date form), and end the line."""
        if not self.enabled:
            return
        if self._held is not None:
            self.show(self._held if text is None else text, force=True)
        if self.in_place and self._longest:
            self.stream.write("\n")
            self.stream.flush()
            self._longest = 0


class ProgressBar:
    """Draw ``label [#####.....] done/total  elapsed, about ... left`` as a :class:`StatusLine`.

    While open (and enabled) the bar listens to :func:`tick`: the fraction a
    loop reports from the bar's own thread is progress within the current
    step, shown as a fraction of a step (``3.45/15``). :meth:`advance` ends the
    step, whatever the fraction reached: a fit that stops early jumps to its
    end. The time left is the work not done at the mean pace of the work
    done (whole steps and the current step's fraction): an estimate, for the
    steps may differ in length.

    On a terminal the bar is one line redrawn in place as it moves. Elsewhere
    (a file, a pipe: a log) it is a plain line at the start, each time
    another tenth of the work is done, and at the end: a dozen lines
    whatever the run's length. While the work reports its progress (a
    :func:`tick` or a step's end), the first report :attr:`LOG_SILENCE`
    seconds (five minutes) or more after the last line writes one too, so
    that a long run's log still shows it alive. There is no timer: a fit
    that does not tick (scikit-learn's models, a fit in a worker process or
    on a dask cluster) leaves the log silent until it ends.

    Parameters
    ----------
    total : int
        Number of steps.
    label : str
        Text before the bar.
    stream : file-like, default=sys.stderr
        Where to draw; progress goes to stderr so that stdout stays clean.
    enabled : bool, default=True
        False draws nothing and listens to nothing.
    width : int, default=30
        Characters of the bar.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()  # not a terminal: a line per tenth of the work
    >>> with ProgressBar(20, "fits", stream=out, width=4) as bar:
    ...     for _ in range(20):
    ...         bar.advance()
    >>> [line.split("  ")[0] for line in out.getvalue().splitlines()]  # doctest: +NORMALIZE_WHITESPACE
    ['fits [....] 0/20', 'fits [....] 2/20', 'fits [....] 4/20', 'fits [#...] 6/20',
     'fits [#...] 8/20', 'fits [##..] 10/20', 'fits [##..] 12/20', 'fits [##..] 14/20',
     'fits [###.] 16/20', 'fits [###.] 18/20', 'fits [####] 20/20']
    """

    #: Seconds after a log's last line (not a terminal) from which any progress report writes a line.
    LOG_SILENCE = 300.0

    def __init__(self, total, label, *, stream=None, enabled=True, width=30):
        self.total = total
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled
        self.width = width
        self.done = 0  # whole steps
        self.partial = 0.0  # the fraction of the current step that its loop reported

    def __enter__(self):
        self._start = perf_counter()
        self._line = StatusLine(self.stream, enabled=self.enabled)
        self._thread = threading.get_ident()
        self._listening = contextlib.ExitStack()
        if self.enabled:
            self._listening.enter_context(progress_ticks(self.tick))
        self._logged = (0, self._start)  # a log's last line: (the tenths of the work done, when)
        self._line.show(self._text(), force=True)
        return self

    def advance(self, steps=1):
        """Record finished steps (the current one ends, whatever its fraction) and redraw."""
        self.done += steps
        self.partial = 0.0
        # A terminal shows every step at once, for the next update may be a
        # whole fit away (one that does not tick).
        self._draw(at_once=True)

    def tick(self, fraction):
        """Record that ``fraction`` of the current step is done (the :func:`tick` listener)."""
        # A tick from another thread is a fit running beside the one of this
        # step (a copied context): its fraction is not this step's.
        if threading.get_ident() != self._thread or not fraction > self.partial:
            return  # also drops NaN, and a second solve of a fit starting over
        self.partial = min(fraction, 1.0)
        self._draw()

    def _draw(self, at_once=False):
        """Redraw a terminal's line (``at_once``: whatever its rate); write a log's next line when due."""
        if self._line.in_place:
            self._line.show(self._text(), force=at_once)
            return
        tenths = math.floor(10 * (self.done + self.partial) / max(self.total, 1) + 1e-9)
        now = perf_counter()
        if tenths > self._logged[0] or now - self._logged[1] >= self.LOG_SILENCE:
            self._logged = (max(tenths, self._logged[0]), now)
            self._line.show(self._text(), force=True)

    def _text(self):
        progress = self.done + self.partial
        filled = int(self.width * progress // max(self.total, 1))
        bar = "#" * filled + "." * (self.width - filled)
        elapsed = perf_counter() - self._start
        left = ""
        if 0 < progress < self.total:  # the work left at the mean pace so far, in whole seconds
            left = f", about {format_seconds(max(round(elapsed / progress * (self.total - progress)), 1))} left"
        # Hundredths of a step (an epoch of 200 moves it every other epoch),
        # rounded down: 14.996 fits done is not 15.
        shown = f"{math.floor(progress * 100 + 1e-9) / 100:g}" if self.partial else f"{self.done}"
        # The time taken to a tenth of a second: its first microseconds are no news.
        return f"{self.label} [{bar}] {shown}/{self.total}  {format_seconds(round(elapsed, 1))}{left}"

    def __exit__(self, *exc):
        self._listening.close()
        self._line.close(self._text())
        return False
