"""The result of compare_with_single_task: tables, a frame, a dict and a picture."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._progress import format_seconds


@dataclass(repr=False)
class ComparisonResult:
    """Per-task cross-validated scores of a multi-task model and its baselines.

    Scores are signed so that greater is better (as scikit-learn's
    ``neg_log_loss`` and ``neg_root_mean_squared_error``). A task's score in
    a fold is NaN where the metric is undefined there (one class in the test
    fold; for a regression, fewer than two rows of the task, or targets that
    do not vary); averages leave those out and the table reports them.

    Attributes
    ----------
    scoring : str
        The per-task metric.
    models : tuple of str
        Model names: ``('multi-task', 'independent', 'pooled')``.
    descriptions : tuple of str
        What each model is (its repr).
    tasks : ndarray of shape (n_tasks,)
        Task ids: sorted for a 1-D ``y``; for a wide ``y`` (one column per
        task), its column names (positions for an array), in column order.
    task_sizes : ndarray of shape (n_tasks,)
        Rows of each task in the data; for a wide ``y``, its labelled rows
        (a row labelled for several tasks counts for each, so the total, in
        the ``average`` row of the tables, is the number of labels).
    scores : ndarray of shape (n_models, n_folds, n_tasks)
        Score of each model on each task in each test fold.
    fit_times : ndarray of shape (n_models, n_folds)
        Seconds each fit took.
    task_similarity : ndarray of shape (n_tasks, n_tasks) or None
        The multi-task model's fitted ``task_similarity_``, averaged over
        the folds, when it has one.
    kind : {'classification', 'regression'}
        What the models predict: class labels or numbers.
    similarity_source : {'learned', 'given'} or None
        Where ``task_similarity`` came from: learned from the data (the
        model's ``task_similarity='learn'``) or given (a number or a
        matrix); None when there is none, or it is not known.
    """

    scoring: str
    models: tuple
    descriptions: tuple
    tasks: np.ndarray
    task_sizes: np.ndarray
    scores: np.ndarray
    fit_times: np.ndarray
    task_similarity: np.ndarray | None = None
    kind: str = "classification"
    similarity_source: str | None = None

    @property
    def n_folds(self) -> int:
        return self.scores.shape[1]

    def fold_averages(self) -> np.ndarray:
        """Task-averaged score of each model in each fold, shape (n_models, n_folds)."""
        return np.ma.masked_invalid(self.scores).mean(axis=2).filled(np.nan)

    def summary(self) -> dict:
        """Model -> mean and std over folds of the task-averaged score, and fit times."""
        averages = self.fold_averages()
        return {
            model: {
                "mean": float(np.nanmean(averages[m])),
                "std": float(np.nanstd(averages[m])),
                "fit_time_mean": float(self.fit_times[m].mean()),
                "fit_time_std": float(self.fit_times[m].std()),
            }
            for m, model in enumerate(self.models)
        }

    def _per_task(self):
        """(mean, std, number of undefined folds) per model and task, over folds."""
        scores = np.ma.masked_invalid(self.scores)  # undefined folds left out
        undefined = np.isnan(self.scores).sum(axis=1)
        return scores.mean(axis=1).filled(np.nan), scores.std(axis=1).filled(np.nan), undefined

    def to_dict(self) -> dict:
        """Everything as plain Python values (JSON-ready; task ids as strings)."""
        mean, std, undefined = self._per_task()
        summary = self.summary()
        return {
            "kind": self.kind,
            "scoring": self.scoring,
            "n_folds": self.n_folds,
            "tasks": [str(t) for t in self.tasks],
            "task_sizes": [int(n) for n in self.task_sizes],
            "models": {
                model: {
                    "description": self.descriptions[m],
                    **summary[model],
                    "per_task": {
                        str(task): {
                            "mean": _none_if_nan(mean[m, t]),
                            "std": _none_if_nan(std[m, t]),
                            "undefined_folds": int(undefined[m, t]),
                            "folds": [_none_if_nan(v) for v in self.scores[m, :, t]],
                        }
                        for t, task in enumerate(self.tasks)
                    },
                }
                for m, model in enumerate(self.models)
            },
            "task_similarity": None if self.task_similarity is None else self.task_similarity.tolist(),
            "similarity_source": self.similarity_source,
        }

    def to_frame(self):
        """Per-task table as a pandas DataFrame (needs pandas).

        One row per task plus a last row ``'average'`` (the task-averaged
        score); columns ``n_rows`` (``task_sizes``, and their total) and,
        for each model, ``<model>`` (mean over folds) and ``<model> std``.
        """
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is a test extra
            raise ImportError("to_frame needs pandas: pip install pandas") from exc
        mean, std, _ = self._per_task()
        summary = self.summary()
        data = {"n_rows": list(self.task_sizes) + [int(self.task_sizes.sum())]}
        for m, model in enumerate(self.models):
            data[model] = list(mean[m]) + [summary[model]["mean"]]
            data[f"{model} std"] = list(std[m]) + [summary[model]["std"]]
        index = pd.Index(list(self.tasks) + ["average"], name="task", dtype=object)
        return pd.DataFrame(data, index=index)

    def __repr__(self):
        scores = ", ".join(
            f"{model}={s['mean']:.3f}±{s['std']:.3f}" for model, s in self.summary().items()
        )
        return (
            f"ComparisonResult(scoring={self.scoring!r}, n_tasks={len(self.tasks)}, "
            f"n_folds={self.n_folds}, {scores})"
        )

    def __str__(self):
        mean, std, undefined = self._per_task()
        summary = self.summary()
        cell = lambda m, s: "undefined" if np.isnan(m) else f"{m:.3f} ± {s:.3f}"  # noqa: E731
        rows = []
        filled = np.where(np.isnan(mean), -np.inf, mean)
        best = filled == filled.max(axis=0)  # ties: every tied model is starred
        for t, task in enumerate(self.tasks):
            rows.append(
                [str(task), str(self.task_sizes[t])]
                + [cell(mean[m, t], std[m, t]) + (" *" if best[m, t] and np.isfinite(filled[m, t]) else "  ")
                   for m in range(len(self.models))]
            )
        header = ["task", "rows"] + [f"{model}  " for model in self.models]
        footer = [
            ["average", str(int(self.task_sizes.sum()))]
            + [cell(summary[model]["mean"], summary[model]["std"]) + "  " for model in self.models],
            ["fit time", ""]  # in the one format of every duration skmtl prints
            + [f"{format_seconds(summary[model]['fit_time_mean'])} ± "
               f"{format_seconds(summary[model]['fit_time_std'])}  " for model in self.models],
        ]
        widths = [max(len(r[c]) for r in [header, *rows, *footer]) for c in range(len(header))]
        line = lambda r: "  ".join(  # noqa: E731
            r[c].ljust(widths[c]) if c == 0 else r[c].rjust(widths[c]) for c in range(len(r))
        ).rstrip()
        rule = "-" * len(line(header))
        wins = np.sum(filled[0] > filled[1:].max(axis=0))  # strictly best: ties are no wins
        out = [
            f"Per-task {self.scoring}, mean ± std over {self.n_folds} folds (* best of the row, ties all starred)",
            *(f"  {model}: {text}" for model, text in zip(self.models, self.descriptions)),
            "",
            line(header),
            rule,
            *map(line, rows),
            rule,
            *map(line, footer),
            "",
            f"{self.models[0]} is strictly best on {wins} of {len(self.tasks)} tasks.",
        ]
        holes = [
            f"{task} ({self.models[m]}: {undefined[m, t]} of {self.n_folds} folds)"
            for t, task in enumerate(self.tasks)
            for m in range(len(self.models))
            if undefined[m, t]
        ]
        if holes:
            why = (
                "fewer than two rows of the task, or constant targets, in the test fold"
                if self.kind == "regression" else "one class in the test fold"
            )
            out.append(
                f"{self.scoring} undefined ({why}), left out of the "
                f"averages: {', '.join(holes[:12])}{' ...' if len(holes) > 12 else ''}"
            )
        return "\n".join(out)

    def plot(self, *, similarity="auto", figsize=None):
        """Per-task scores, the multi-task model's gain per task, and the task similarity.

        The tasks are sorted by the multi-task model's gain over the better
        of the two baselines on each task, so the tasks where sharing helps
        come first; with many tasks every k-th is labelled. The score panel
        has a reference line: chance (0.5) for ROC AUC, 0 for R² and explained
        variance (predicting each task's mean), else the better baseline's
        task-averaged score.

        Parameters
        ----------
        similarity : bool or 'auto', default='auto'
            Add a clustered heat map of ``task_similarity``
            (:func:`skmtl.plotting.plot_task_similarity`); 'auto' does when
            there is one that is not the same number for every pair of tasks
            (that one is stated in the figure's title instead).
        figsize : tuple, default=None
            Figure size in inches; None: 13 x 6 with the heat map, 10 x 6
            without (1560 or 1200 pixels wide at dpi=120), whatever the
            number of tasks.

        Returns
        -------
        figure : matplotlib.figure.Figure
        """
        from ..plotting import _pyplot

        plt = _pyplot("plot")
        matrix = self.task_similarity
        constant = matrix is not None and _is_constant(matrix)
        show_similarity = matrix is not None and not constant if similarity == "auto" else bool(similarity)
        if show_similarity and matrix is None:
            raise ValueError("This result holds no task similarity (the model has none).")
        if figsize is None:
            figsize = (13.0, 6.0) if show_similarity else (10.0, 6.0)
        figure = plt.figure(figsize=figsize, layout="constrained")
        grid = figure.add_gridspec(2, 2 if show_similarity else 1, height_ratios=[3, 2],
                                   width_ratios=[1.5, 1] if show_similarity else [1])
        scores = figure.add_subplot(grid[0, 0])
        gains = figure.add_subplot(grid[1, 0], sharex=scores)
        order = self._plot_scores(scores)
        self._plot_gains(gains, order)
        handles, labels = scores.get_legend_handles_labels()
        legend_title = "model (task-averaged score)"
        if show_similarity:
            from ..plotting import plot_task_similarity

            title = self._similarity_title() + (" (the same for every pair)" if constant else "")
            plot_task_similarity(matrix, tasks=self.tasks, ax=figure.add_subplot(grid[:, 1]), title=title)
        elif constant and len(matrix) > 1:  # said in words: a heat map of one colour shows nothing
            title = self._similarity_title()
            value = "" if "rho=" in title else f": {_off_diagonal(matrix)[0]:.3g}"
            pairs = "between the two tasks" if len(matrix) == 2 else "for every pair of tasks"
            legend_title += f"\n{title}{value} {pairs} (no heat map)"
        # The models first, then the reference line.
        figure.legend(
            handles[1:] + handles[:1], labels[1:] + labels[:1], loc="outside upper center", ncol=4,
            title=legend_title, fontsize="small", title_fontsize="small",
        )
        return figure

    def _plot_scores(self, ax):
        """Each model's mean score per task (error bars: std over folds); return the task order."""
        mean, std, _ = self._per_task()
        summary = self.summary()
        gain = self._gains()
        order = np.argsort(-np.where(np.isnan(gain), -np.inf, gain), kind="stable")  # undefined last
        n_tasks, n_models = len(self.tasks), len(self.models)
        positions = np.arange(n_tasks)
        few = n_tasks <= 30  # error bars and side-by-side markers stay readable
        spread = np.concatenate([mean - std, mean + std]) if few else mean
        value, words, colour = self._reference(summary)
        (low, high), cut = _limits(spread, mean, value)
        for m, model in enumerate(self.models):
            x = positions + ((m - (n_models - 1) / 2) * 0.22 if few else 0)
            ax.errorbar(
                x, mean[m, order], yerr=std[m, order] if few else None, fmt=_MARKERS[m % len(_MARKERS)],
                color=f"C{m}", markersize=6 if few else 3.5, elinewidth=0.8, capsize=2 if few else 0,
                label=f"{model} ({summary[model]['mean']:.3f})",
            )
            below = mean[m, order] < low  # far below the others: an arrow at the edge, said in the title
            ax.plot(x[below], np.full(below.sum(), low + 0.03 * (high - low)), "v", color=f"C{m}", markersize=7)
        ax.axhline(value, color=colour, linewidth=1, linestyle="--", label=words, zorder=0)
        ax.set_ylim(low, high)
        ax.tick_params(axis="x", labelbottom=False)
        ax.set_xlim(-0.6, n_tasks - 0.4)
        # The metric names the axis; a negated loss says which way is better.
        negated = ", negated: higher is better" if self.scoring.startswith("neg_") else ""
        ax.set_ylabel(f"{self.scoring} (mean over {self.n_folds} folds{negated})")
        ax.set_title(f"Per-task {self.scoring}, tasks sorted by the gain below{cut}", fontsize="medium")
        ax.grid(axis="y", alpha=0.3)
        return order

    def _reference(self, summary):
        """(value, legend words, colour) of the score panel's reference line.

        Without a chance level (accuracy: the majority rate is each task's
        own), the better baseline's task-averaged score, in its colour.
        """
        if self.scoring in _CHANCE:
            return (*_CHANCE[self.scoring], "0.3")
        m = 1 + int(np.nanargmax([summary[model]["mean"] for model in self.models[1:]]))
        return summary[self.models[m]]["mean"], f"{self.models[m]}, task-averaged", f"C{m}"

    def _plot_gains(self, ax, order):
        """Multi-task minus the better baseline on each task, in ``order``, around a 0 line."""
        from ..plotting import _every, _thin_ticks

        gain = self._gains()[order]
        colours = np.where(np.isnan(gain), "0.6", np.where(gain > 0, "C0", "C3"))
        ax.bar(np.arange(len(gain)), np.nan_to_num(gain), 0.8, color=colours)
        ax.axhline(0.0, color="black", linewidth=0.8)
        labels = [str(task) for task in self.tasks[order]]
        step = _thin_ticks(ax.xaxis, labels, 40)
        ax.set_xlabel(f"task (by gain{_every(step)})")
        ax.set_ylabel(f"{self.models[0]} minus\nbetter baseline")
        (low, high), cut = _limits(gain, gain, 0.0)
        ax.set_ylim(low, high)
        defined = np.isfinite(gain)
        undefined = f" ({len(gain) - defined.sum()} undefined: no bar)" if not defined.all() else ""
        ax.set_title(f"Gain per task: above 0 on {np.sum(gain > 0)} of {defined.sum()} tasks{undefined}{cut}",
                     fontsize="medium")
        ax.grid(axis="y", alpha=0.3)

    def _gains(self):
        """Per task, the first model's mean score minus the better other model's (NaN: undefined)."""
        mean = self._per_task()[0]
        best = np.max(np.where(np.isnan(mean[1:]), -np.inf, mean[1:]), axis=0)
        gain = mean[0] - best
        return np.where(np.isfinite(gain), gain, np.nan)

    def _similarity_title(self):
        """The heat map's title, saying where the similarity came from."""
        if self.similarity_source == "learned":
            return f"Learned task similarity (mean over {self.n_folds} folds)"
        if self.similarity_source == "given":
            matrix = self.task_similarity
            if _is_constant(matrix) and np.allclose(np.diag(matrix), 1.0) and len(matrix) > 1:
                return f"Task similarity (given: rho={_off_diagonal(matrix)[0]:.3g})"
            return "Task similarity (given)"
        return "Task similarity"


#: Per-task metrics with a level any model reaches without learning: (value, legend words).
_CHANCE = {
    "roc_auc": (0.5, "chance (0.5)"),
    "roc_auc_ovr": (0.5, "chance (0.5)"),
    "r2": (0.0, "0: each task's mean"),
    "explained_variance": (0.0, "0: each task's mean"),
}

_MARKERS = ("o", "s", "^", "D", "v")


def _limits(spread, points, reference):
    """((low, high) y limits, words on what they cut): every value and the reference,
    unless a few lie far below the rest, as an R² of -25 beside scores near 0.8.

    ``spread`` holds what should fit (means and error bars), ``points`` the
    means; "far" is 3 times the 10-90% range below the 10th percentile.
    """
    values = np.append(spread[np.isfinite(spread)], reference)
    q10, q90 = np.percentile(values, [10, 90])
    low = max(values.min(), q10 - 3 * (q90 - q10)) if q90 > q10 else values.min()
    high = values.max()
    pad = 0.06 * (high - low) if high > low else 0.05 * max(abs(high), 1.0)
    points = points[np.isfinite(points)]
    cut = points[points < low - pad]
    words = f"; {len(cut)} below the axis (lowest {cut.min():.3g})" if len(cut) else ""
    return (low - pad, high + pad), words


def _off_diagonal(matrix):
    return matrix[~np.eye(len(matrix), dtype=bool)] if len(matrix) > 1 else np.diag(matrix)


def _is_constant(matrix):
    """One number off the diagonal and one on it: a heat map would show nothing."""
    scale = max(float(np.abs(matrix).max()), 1e-300)
    return bool(np.ptp(_off_diagonal(matrix)) <= 1e-9 * scale and np.ptp(np.diag(matrix)) <= 1e-9 * scale)


def _none_if_nan(value):
    return None if np.isnan(value) else float(value)
