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

    Examples
    --------
    :func:`~skmtl.compare_with_single_task` returns one; here one is made
    up: 3 models, 2 folds, 2 tasks.

    >>> import numpy as np
    >>> from skmtl.model_selection import ComparisonResult
    >>> result = ComparisonResult(
    ...     scoring="r2", models=("multi-task", "independent", "pooled"),
    ...     descriptions=("MultiTaskRidge()", "Ridge() per task", "Ridge() on all tasks"),
    ...     tasks=np.array(["a", "b"], dtype=object), task_sizes=np.array([40, 60]),
    ...     scores=np.array([[[0.8, 0.6], [0.7, 0.6]], [[0.7, 0.5], [0.6, 0.5]], [[0.5, 0.4], [0.5, 0.4]]]),
    ...     fit_times=np.ones((3, 2)), kind="regression")
    >>> result.n_folds, round(result.summary()["multi-task"]["mean"], 3)
    (2, 0.675)
    >>> np.round(result.to_frame().loc["a", ["multi-task", "independent", "pooled"]], 3).tolist()
    [0.75, 0.65, 0.5]
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
        averages = np.ma.masked_invalid(self.fold_averages())  # NaN, not a warning, where no fold is defined
        mean, std = averages.mean(axis=1).filled(np.nan), averages.std(axis=1).filled(np.nan)
        return {
            model: {
                "mean": float(mean[m]),
                "std": float(std[m]),
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

        See :func:`skmtl.plotting.plot_comparison`, which draws it: the tasks
        sorted by the gain over the better baseline, a chance or baseline
        line, and a clustered heat map of the task similarity.

        Parameters
        ----------
        similarity : bool or 'auto', default='auto'
            Add a clustered heat map of ``task_similarity``; 'auto' does
            when there is one that is not the same number for every pair of
            tasks (that one is stated in the legend's title instead).
        figsize : tuple, default=None
            Figure size in inches; None: 13 x 6 with the heat map, 10 x 6
            without.

        Returns
        -------
        figure : matplotlib.figure.Figure

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from skmtl import MultiTaskKernelSVC, compare_with_single_task
        >>> from skmtl.datasets import make_multitask_classification
        >>> X, y, tasks, _ = make_multitask_classification(150, n_tasks=3, random_state=0)
        >>> result = compare_with_single_task(MultiTaskKernelSVC(kernel="linear", task_similarity="learn"),
        ...                                   X, y, tasks=tasks, cv=3, random_state=0)
        >>> figure = result.plot()
        >>> figure.axes[0].get_ylabel(), figure.axes[2].get_title()
        ('roc_auc (mean over 3 folds)', 'Learned task similarity (mean over 3 folds)')
        """
        from ..plotting import plot_comparison

        return plot_comparison(self, similarity=similarity, figsize=figsize)


def _none_if_nan(value):
    return None if np.isnan(value) else float(value)
