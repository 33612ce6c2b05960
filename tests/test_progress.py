"""The progress hook (tick, progress_ticks, progress_part) and the bar that listens to it."""

import contextvars
import io
import threading
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skmtl import MultiTaskKernelSVC, SharedMLPClassifier
from skmtl._progress import (
    ProgressBar, StatusLine, format_seconds, log_progress, progress_part, progress_ticks, tick,
)
from skmtl.datasets import make_multitask_classification


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self):
        return True


@pytest.fixture
def every_update(monkeypatch):
    """No rate limit on a terminal: every update is drawn, so that a fast test sees each one."""
    monkeypatch.setattr(StatusLine, "TERMINAL_INTERVAL", 0.0)


def _frames(terminal):
    """The states drawn on a terminal, one after the other (each after a carriage return)."""
    return [frame.rstrip() for frame in terminal.getvalue().split("\r")[1:]]


def _epochs(n_epochs):
    """A fake training loop: reports the share of its epochs done after each one."""
    for epoch in range(1, n_epochs + 1):
        tick(epoch / n_epochs)


# 1. The hook ------------------------------------------------------------------


def test_ticks_reach_the_listener_of_the_block_and_nothing_else():
    _epochs(3)  # nobody listening: nothing happens, nothing fails
    outer, inner = [], []
    with progress_ticks(outer.append):
        _epochs(2)
        with progress_ticks(inner.append):
            _epochs(4)
        _epochs(1)
    _epochs(3)
    assert outer == [0.5, 1.0, 1.0] and inner == [0.25, 0.5, 0.75, 1.0]


def test_progress_part_maps_each_part_into_its_share_of_the_whole():
    seen = []
    with progress_ticks(seen.append):
        for k in range(4):
            with progress_part(k, 4):
                _epochs(2)
    np.testing.assert_allclose(seen, np.arange(1, 9) / 8)
    with progress_part(0, 2):  # nobody listening: a no-op
        _epochs(2)


def test_a_thread_does_not_see_the_listener_of_the_thread_that_set_it():
    seen = []
    with progress_ticks(seen.append):
        worker = threading.Thread(target=_epochs, args=(3,))
        worker.start()
        worker.join()
    assert seen == []


def test_log_progress_is_the_share_of_the_way_down_on_a_log_scale():
    assert log_progress(1.0, 1.0, 1e-3) == 0.0
    assert log_progress(1.0, 1e-3, 1e-3) == 1.0
    assert log_progress(2.0, 2e-2, 2e-4) == pytest.approx(0.5)
    assert log_progress(1.0, 5.0, 1e-3) == 0.0  # went up: clipped
    assert log_progress(1.0, 1e-9, 1e-3) == 1.0  # past the goal: clipped
    assert log_progress(1e-4, 1e-5, 1e-3) == 1.0  # started below the goal: done
    assert log_progress(1.0, 0.0, 1e-3) == 1.0


# 2. The estimators' loops tick --------------------------------------------------


@pytest.fixture(scope="module")
def data():
    X, y, tasks, _ = make_multitask_classification(200, n_tasks=2, n_features=4, random_state=0)
    return X, y, tasks


def test_the_training_loop_ticks_once_per_epoch(data):
    X, y, tasks = data
    seen = []
    with progress_ticks(seen.append), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        SharedMLPClassifier((4,), max_iter=5, random_state=0).fit(X, y, tasks=tasks)
    assert seen == [0.2, 0.4, 0.6, 0.8, 1.0]
    seen.clear()
    with progress_ticks(seen.append):  # stops early: the last fraction is well below 1
        model = SharedMLPClassifier((4,), early_stopping=True, n_iter_no_change=2, random_state=0)
        model.fit(X, y, tasks=tasks)
    assert len(seen) == model.n_iter_ < model.max_iter and seen[-1] == model.n_iter_ / model.max_iter


def test_the_smo_solver_ticks_its_way_down_to_tol(data, monkeypatch):
    from skmtl.svm import _smo

    X, y, tasks = data
    monkeypatch.setattr(_smo, "SLICE_VALUES", 16 * len(y))  # slices of 16 steps
    seen = []
    with progress_ticks(seen.append):
        model = MultiTaskKernelSVC(task_similarity=0.5).fit(X, y, tasks=tasks)
    assert len(seen) == 1 + -(-model.n_iter_[0] // 16)  # at the start, then after every slice
    assert seen[0] == 0.0 and seen[-1] == 1.0 and 0.0 < np.median(seen) < 1.0
    assert all(0 <= f <= 1 for f in seen)


# 3. The bar --------------------------------------------------------------------


def test_the_bar_shows_ticks_as_fractions_of_the_current_step(every_update):
    out = Terminal()
    with ProgressBar(4, "fits", stream=out, width=8) as bar:
        _epochs(4)
        tick(0.5)  # a second solve of the same fit starting over: not a step back
        bar.advance()
        with progress_part(0, 2):
            _epochs(2)  # a fit made of two parts reports half of itself
    lines = _frames(out)
    assert [line.split("  ")[0] for line in lines] == [
        "fits [........] 0/4",
        "fits [........] 0.25/4",
        "fits [#.......] 0.5/4",
        "fits [#.......] 0.75/4",
        "fits [##......] 1/4",  # the loop's end: the step's end, before the fit returns
        "fits [##......] 1/4",
        "fits [##......] 1.25/4",
        "fits [###.....] 1.5/4",
    ]
    assert all(line.endswith(" left") for line in lines[1:])  # an estimate from the first tick on
    out = Terminal()
    with ProgressBar(1, "fits", stream=out) as bar:
        bar.tick(0.999)
    assert _frames(out)[-1].split("  ")[0].endswith("] 0.99/1")  # rounded down, not to 1


def test_an_early_stopped_step_jumps_to_its_end_and_the_estimate_follows(every_update, monkeypatch):
    now = [0.0]
    monkeypatch.setattr("skmtl._progress.perf_counter", lambda: now[0])
    out = Terminal()
    with ProgressBar(2, "fits", stream=out, width=4) as bar:  # starts at 0 s
        now[0] = 1.0
        tick(0.1)  # 0.1 of 2 fits done in 1 s, 10 s a fit: about 19 s left
        now[0] = 5.0
        bar.advance()  # the fit stops early: 1 of 2 done in 5 s, 5 s a fit
        now[0] = 7.0
        tick(0.4)  # 1.4 of 2 done in 7 s, 5 s a fit
    lines = _frames(out)
    assert lines[1].endswith("0.1/2  1 s, about 19 s left")
    assert lines[2].endswith("1/2  5 s, about 5 s left")
    assert lines[3].endswith("1.4/2  7 s, about 3 s left")


def test_the_bar_estimates_the_time_left():
    # Replaces test_compare.py's check of the same name, written for carriage-return frames.
    out = io.StringIO()
    with ProgressBar(4, "fits", stream=out, width=4) as bar:
        bar.advance()
        bar.advance(3)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("fits [....] 0/4")
    assert lines[-1].startswith("fits [####] 4/4") and "left" not in lines[-1]  # done: no estimate


def test_a_log_gets_a_plain_line_per_tenth_of_the_work():
    out = io.StringIO()  # not a terminal: a file, a pipe
    with ProgressBar(3, "fits", stream=out) as bar:
        for _ in range(3):
            _epochs(1000)  # 3,000 ticks
            bar.advance()
    text = out.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    # The start, then each tenth as a tick reaches it (0.3, 0.6, ... of 3 fits), the estimate on each.
    assert [line.split("] ")[1].split()[0] for line in lines] == [
        "0/3", "0.3/3", "0.6/3", "0.9/3", "1.2/3", "1.5/3", "1.8/3", "2.1/3", "2.4/3", "2.7/3", "3/3",
    ]
    assert all(" left" in line for line in lines[1:-1]) and "left" not in lines[-1]


def test_a_log_of_a_long_run_gets_a_line_every_five_minutes_between_tenths(monkeypatch):
    now = [0.0]
    monkeypatch.setattr("skmtl._progress.perf_counter", lambda: now[0])
    out = io.StringIO()
    with ProgressBar(100, "fits", stream=out, width=4) as bar:
        for minute in range(1, 12):  # a fit takes a minute: tenths are 10 minutes apart
            now[0] = 60.0 * minute
            bar.advance()
    lines = out.getvalue().splitlines()
    assert [line.split("  ")[1].split(",")[0] for line in lines] == ["0 s", "5 min 00 s", "10 min 00 s"]
    assert lines[-1].endswith("10/100  10 min 00 s, about 1 h 30 min left")


def test_a_duration_is_written_one_way_at_every_scale():
    assert [format_seconds(s) for s in (0, 0.00004, 0.0000786, 0.00757, 0.0622, 0.1, 1.0, 1.234, 9.996)] == [
        "0 s", "0 s", "0.0001 s", "0.0076 s", "0.0622 s", "0.1 s", "1 s", "1.23 s", "10 s",
    ]
    assert [format_seconds(s) for s in (42.46, 59.96)] == ["42.5 s", "1 min 00 s"]
    assert [format_seconds(s) for s in (60, 125.4, 3599.4, 3599.6, 3900, 86399)] == [
        "1 min 00 s", "2 min 05 s", "59 min 59 s", "1 h 00 min", "1 h 05 min", "24 h 00 min",
    ]


def test_a_terminal_gets_one_line_redrawn_in_place():
    out = Terminal()
    with ProgressBar(2, "fits", stream=out, width=4) as bar:
        _epochs(1000)  # far more ticks than a tenth of a second's worth of redraws
        bar.advance()
        bar.advance()
    text = out.getvalue()
    frames = text.split("\r")[1:]
    assert text.endswith("\n") and text.count("\n") == 1
    assert len(frames) < 10  # the start, a redraw or two, each whole step, nothing per tick
    assert frames[-1].startswith("fits [####] 2/2")
    assert len(frames[-1].rstrip("\n")) == max(len(f.rstrip("\n")) for f in frames)  # padded over


def test_ticks_from_another_thread_do_not_move_the_bar(every_update):
    out = io.StringIO()
    with ProgressBar(2, "fits", stream=out) as bar:
        # A thread started with a copy of this context sees the bar, but its fit is not this step.
        worker = threading.Thread(target=contextvars.copy_context().run, args=(_epochs, 4))
        worker.start()
        worker.join()
        assert bar.partial == 0.0
    assert len(out.getvalue().splitlines()) == 1


def test_a_disabled_bar_writes_nothing_and_does_not_listen():
    out = io.StringIO()
    seen = []
    with progress_ticks(seen.append), ProgressBar(2, "fits", stream=out, enabled=False) as bar:
        _epochs(2)
        bar.advance(2)
    assert out.getvalue() == "" and seen == [0.5, 1.0]


def test_the_line_of_a_failed_run_is_ended_before_the_error():
    out = Terminal()
    with pytest.raises(RuntimeError), ProgressBar(2, "fits", stream=out):
        raise RuntimeError
    assert out.getvalue().endswith("\n")
