"""Figures of multi-task models: a comparison's per-task scores, task similarity, loss curves, task weights.

matplotlib is optional (``pip install 'skmtl[plot]'``); it is imported when
a function is called. Each function but :func:`plot_comparison` (a whole figure)
draws on ``ax`` (a new figure when None) and returns the Axes, so figures
can be composed and saved as usual.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from .metrics import SCORE_SCALES
from .model_selection._compare import final_estimator

__all__ = ["plot_comparison", "plot_loss_curves", "plot_task_similarity", "plot_task_weights"]

#: Past this many tasks, task curves are thin, unlabelled lines.
MAX_TASKS = 12


def _pyplot(function):
    """matplotlib.pyplot, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(f"{function} needs matplotlib: pip install 'skmtl[plot]'") from exc
    return plt


def _axes(ax, function, figsize):
    """``ax``, or the Axes of a new figure of ``figsize`` inches."""
    if ax is not None:
        return ax
    _, ax = _pyplot(function).subplots(figsize=figsize, layout="constrained")
    return ax


def _fitted(estimator, attribute, kind, what, hint):
    """The final model of ``estimator`` (see :func:`~skmtl.model_selection._compare.final_estimator`),
    which must hold ``attribute``.

    NotFittedError when the model is of the right kind (it has the parameter
    ``kind``) but not fitted; else a one-line ValueError that says ``what``
    is missing and ``hint``.
    """
    model = final_estimator(estimator)
    if not hasattr(model, attribute):
        if kind in getattr(model, "get_params", dict)():
            from sklearn.exceptions import NotFittedError

            raise NotFittedError(f"This {type(model).__name__} is not fitted yet: fit it before plotting its {what}.")
        raise ValueError(f"{type(model).__name__} has no {attribute} ({what}); {hint}")
    return model


def _check_count(value, name):
    """A ValueError unless ``value`` is a positive integer (``name`` says which parameter)."""
    if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def _thin_ticks(axis, labels, max_labels):
    """Label every k-th of ``labels`` on ``axis`` (an Axes' xaxis or yaxis), at most ``max_labels``; return k.

    Positions are ``0..len(labels)-1``; the font shrinks as the count grows,
    and x labels turn upright when they would not fit side by side on the
    Axes' width, so that labels at that spacing do not overlap.
    """
    step = -(-len(labels) // max_labels)  # ceil: at most max_labels labels
    shown = range(0, len(labels), step)
    size = "medium" if len(shown) <= 12 else "small" if len(shown) <= 24 else "x-small"
    text = [str(labels[k]) for k in shown]
    axis.set_ticks(list(shown), text, fontsize=size)
    axis.set_tick_params(length=2)
    if axis.axis_name == "x" and _too_wide(axis.axes, max(map(len, text)), size, step / len(labels)):
        axis.set_tick_params(labelrotation=90)
    return step


def _too_wide(ax, characters, size, share):
    """Whether a label of ``characters`` (and a space) in font ``size`` is wider than ``share`` of ``ax``'s width.

    A character is taken as 0.6 of the font size. An Axes of fixed aspect,
    as a heat map's, is drawn no wider than it is high.
    """
    from matplotlib.font_manager import FontProperties

    width, height = ax.bbox.width, ax.bbox.height
    if ax.get_aspect() != "auto":
        width = min(width, height)
    pixels = FontProperties(size=size).get_size_in_points() * ax.figure.dpi / 72
    return (characters + 1) * 0.6 * pixels > share * width


def _every(step):
    """Words for an axis label saying which ticks are labelled: '' or ', every 3rd labelled'."""
    if step == 1:
        return ""
    suffix = "th" if 10 <= step % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(step % 10, "th")
    return f", every {step}{suffix} labelled"


# -- task similarity ---------------------------------------------------------


def _similarity_and_tasks(similarity, tasks):
    """(matrix, task labels) from an array or a fitted estimator; one-line errors otherwise."""
    if hasattr(similarity, "fit") or hasattr(similarity, "steps"):
        model = _fitted(similarity, "task_similarity_", "task_similarity", "task similarity",
                        "pass a fitted relationship-learning model (e.g. MultiTaskKernelSVC, MultiTaskRidge), "
                        "or the matrix itself.")
        matrix = model.task_similarity_
        tasks = model.tasks_ if tasks is None else tasks
    else:
        matrix = similarity
    matrix = np.asarray(matrix, dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise ValueError(f"similarity must be a square (n_tasks, n_tasks) matrix, got shape {matrix.shape}.")
    if not np.isfinite(matrix).all():
        raise ValueError("similarity holds NaN or infinite values; a task similarity must be finite.")
    tasks = np.arange(len(matrix)) if tasks is None else np.asarray(tasks, dtype=object)
    if len(tasks) != len(matrix):
        raise ValueError(f"tasks has {len(tasks)} ids but the similarity has {len(matrix)} tasks.")
    return matrix, tasks


def _correlation(matrix):
    """``Omega_st / sqrt(Omega_ss Omega_tt)``, or None when a diagonal entry is not positive.

    Examples
    --------
    >>> _correlation(np.array([[4.0, 2.0], [2.0, 1.0]]))
    array([[1., 1.],
           [1., 1.]])
    """
    scale = np.diag(matrix)
    if (scale <= 0).any():
        return None
    scale = np.sqrt(scale)
    return np.clip(matrix / np.outer(scale, scale), -1.0, 1.0)


def _cluster_order(matrix):
    """Task order that puts similar tasks side by side (deterministic).

    Average-linkage clustering on ``1 - correlation`` (on the matrix scaled
    by its largest magnitude when the correlation is undefined), leaves in
    SciPy's optimal order.

    Examples
    --------
    >>> blocks = np.kron(np.eye(2), np.ones((2, 2)))[[0, 2, 1, 3]][:, [0, 2, 1, 3]]
    >>> order = _cluster_order(blocks + np.eye(4)).tolist()
    >>> sorted([sorted(order[:2]), sorted(order[2:])])  # tasks 0 and 2 side by side, and 1 and 3
    [[0, 2], [1, 3]]
    """
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    if len(matrix) < 3:
        return np.arange(len(matrix))
    similar = _correlation(matrix)
    if similar is None:
        similar = matrix / max(np.abs(matrix).max(), 1e-300)
    distance = np.clip(1.0 - (similar + similar.T) / 2, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average", optimal_ordering=True)
    return leaves_list(tree)


def plot_task_similarity(similarity, *, tasks=None, cluster=True, normalize=True, title=None, ax=None,
                         max_labels=30):
    """Heat map of a task similarity matrix, similar tasks side by side.

    Parameters
    ----------
    similarity : array-like of shape (n_tasks, n_tasks), or fitted estimator
        The matrix ``Omega``, or a fitted model (or a Pipeline ending in one)
        with ``task_similarity_`` and ``tasks_``, such as
        :class:`~skmtl.MultiTaskKernelSVC` with ``task_similarity='learn'``.
    tasks : array-like of shape (n_tasks,), default=None
        Task ids labelling rows and columns, in the matrix's order. None:
        the estimator's ``tasks_``, else ``0..n_tasks-1``.
    cluster : bool, default=True
        Reorder the tasks by hierarchical clustering (average linkage on
        ``1 - correlation``), so that groups of related tasks show as blocks.
    normalize : bool, default=True
        Show correlations ``Omega_st / sqrt(Omega_ss Omega_tt)`` (1 on the
        diagonal), which compare across tasks of different scales; False
        shows ``Omega`` itself. Needs a positive diagonal.
    title : str, default=None
        Title of the Axes; None says what is shown.
    ax : matplotlib Axes, default=None
        Where to draw; None makes a new figure.
    max_labels : int, default=30
        Most task labels on each axis; with more tasks every k-th is labelled.

    Returns
    -------
    ax : matplotlib Axes
        The heat map; its colour bar is beside it in the same figure, in a
        diverging map centred on 0 with symmetric limits.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skmtl.datasets import make_multitask_classification
    >>> from skmtl.plotting import plot_task_similarity
    >>> _, _, _, omega = make_multitask_classification(100, n_tasks=6, random_state=0)
    >>> ax = plot_task_similarity(omega, tasks=list("abcdef"))
    >>> ax.get_title()
    'Task similarity (tasks ordered by clustering)'
    """
    _pyplot("plot_task_similarity")
    _check_count(max_labels, "max_labels")
    matrix, tasks = _similarity_and_tasks(similarity, tasks)
    shown = matrix
    if normalize:
        shown = _correlation(matrix)
        if shown is None:
            raise ValueError(
                "The similarity has a diagonal entry <= 0, so its correlation is undefined; "
                "pass normalize=False to show the matrix itself."
            )
    order = _cluster_order(matrix) if cluster else np.arange(len(matrix))
    shown, labels = shown[np.ix_(order, order)], tasks[order]

    ax = _axes(ax, "plot_task_similarity", (6.0, 5.0))
    limit = max(np.abs(shown).max(), 1e-12)  # symmetric: 0 is the map's neutral middle
    image = ax.imshow(shown, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    step = _thin_ticks(ax.xaxis, labels, max_labels)
    _thin_ticks(ax.yaxis, labels, max_labels)
    ax.set_xlabel(f"task{_every(step)}")
    ax.set_ylabel("task")
    if title is None:
        title = "Task similarity" + (" (tasks ordered by clustering)" if cluster else "")
    ax.set_title(title)
    label = (r"correlation $\Omega_{st} / \sqrt{\Omega_{ss}\,\Omega_{tt}}$" if normalize
             else r"task similarity $\Omega_{st}$")
    ax.figure.colorbar(image, ax=ax, shrink=0.85, label=label)
    return ax


# -- training curves ---------------------------------------------------------


def _network(estimator, attribute, what):
    """The fitted network behind ``estimator``, or a one-line error naming what is missing."""
    return _fitted(estimator, attribute, "loss_weighting", what,
                   "plot_loss_curves and plot_task_weights draw the training of skmtl's shared networks "
                   "(SharedMLPClassifier, SharedRNNRegressor, ...).")


def _task_selection(model, tasks):
    """Positions (in ``tasks_`` order) and ids of the tasks to draw."""
    known = list(model.tasks_)
    if tasks is None:
        return list(range(len(known))), known
    tasks = list(tasks)
    unknown = [task for task in tasks if task not in known]
    if unknown:
        raise ValueError(f"tasks {unknown[:5]} were not seen in fit; the model's tasks are {known[:10]}.")
    positions = [known.index(task) for task in tasks]
    return positions, tasks


def _task_lines(ax, curves, labels, max_tasks):
    """One line per task, epochs from 1: coloured and named for a few tasks, thin and grey past ``max_tasks``.

    Returns the words for the legend's title (None when each line is named).
    """
    many = len(curves) > max_tasks
    colours = _pyplot("plot").get_cmap("tab20" if len(curves) > 10 else "tab10")
    for k, (curve, label) in enumerate(zip(curves, labels)):
        epochs = np.arange(1, len(curve) + 1)
        if many:
            ax.plot(epochs, curve, color="0.45", linewidth=0.6, alpha=0.5)
        else:
            ax.plot(epochs, curve, color=colours(k % colours.N), linewidth=1.3, label=f"task {label}")
    return f"{len(curves)} tasks in grey (over {max_tasks}: not named)" if many else None


def _epoch_axis(ax):
    """The x axis as epochs: whole numbers only, also on a run of a few epochs."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")


def _log_if_wide(ax, values):
    """A log y axis when positive values span more than a factor 30."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) and values.min() > 0 and values.max() / values.min() > 30:
        ax.set_yscale("log")


def plot_loss_curves(estimator, *, tasks=None, ax=None, max_tasks=MAX_TASKS):
    """Training loss of a shared network over epochs: in total and per task.

    Parameters
    ----------
    estimator : fitted skmtl network
        A shared network (e.g. :class:`~skmtl.SharedMLPClassifier`), or a
        Pipeline ending in one, with ``loss_curve_`` and
        ``task_loss_curves_``. With early stopping its
        ``validation_scores_`` are drawn too, on a second y axis.
    tasks : list of task ids, default=None
        Tasks whose curves to draw; None: all of them.
    ax : matplotlib Axes, default=None
        Where to draw; None makes a new figure.
    max_tasks : int, default=12
        Past this many tasks, the task curves are thin grey lines without a
        legend entry each (pass ``tasks=`` to name a few).

    Returns
    -------
    ax : matplotlib Axes
        The loss axes (the validation score's axes is its twin).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import warnings
    >>> import numpy as np
    >>> from skmtl import SharedMLPClassifier
    >>> from skmtl.plotting import plot_loss_curves
    >>> rng = np.random.RandomState(0)
    >>> X, tasks = rng.randn(120, 3), np.repeat(["a", "b"], 60)
    >>> y = (X[:, 0] > 0).astype(int)
    >>> clf = SharedMLPClassifier(hidden_layer_sizes=(8,), max_iter=30, n_iter_no_change=30)
    >>> with warnings.catch_warnings(action="ignore"):  # 30 epochs: not converged
    ...     clf = clf.fit(X, y, tasks=tasks)
    >>> ax = plot_loss_curves(clf)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('epoch', 'training loss')
    """
    _check_count(max_tasks, "max_tasks")
    model = _network(estimator, "loss_curve_", "loss curves, loss_curve_ and task_loss_curves_")
    ax = _axes(ax, "plot_loss_curves", (7.0, 4.5))
    positions, labels = _task_selection(model, tasks)
    per_task = list(getattr(model, "task_loss_curves_", {}).values())
    curves = [per_task[k] for k in positions] if len(per_task) > 1 else []
    note = _task_lines(ax, curves, labels, max_tasks)
    total = np.asarray(model.loss_curve_, dtype=float)
    ax.plot(np.arange(1, len(total) + 1), total, color="black", linewidth=2.2, label="total (loss_curve_)")
    _log_if_wide(ax, np.concatenate([total, *map(np.ravel, curves)]) if curves else total)
    _epoch_axis(ax)
    ax.set_ylabel("training loss")
    handles, names = ax.get_legend_handles_labels()
    scores = getattr(model, "validation_scores_", None)
    if scores:
        from sklearn.base import is_regressor

        twin = ax.twinx()
        what = "R² (mean over tasks)" if is_regressor(model) else "accuracy"
        twin.plot(np.arange(1, len(scores) + 1), scores, color="tab:red", linestyle="--",
                  label=f"validation {what}")
        twin.set_ylabel(f"validation {what}", color="tab:red")
        more_handles, more_names = twin.get_legend_handles_labels()
        handles, names = handles + more_handles, names + more_names
    ax.legend(handles, names, title=note, fontsize="small", title_fontsize="small",
              ncol=2 if len(names) > 8 else 1)
    ax.set_title(f"Training loss of {type(model).__name__}")
    return ax


def plot_task_weights(estimator, *, ax=None, max_tasks=MAX_TASKS):
    """Each task's weight in the shared trunk's updates over epochs (``task_weight_history_``).

    The weight is relative to the task's share of the rows: 1 is the default
    objective; ``loss_weighting`` (and ``gradient_method``) move it.

    Parameters
    ----------
    estimator : fitted skmtl network
        A shared network, or a Pipeline ending in one, fitted with
        ``loss_weighting`` other than 'equal' or with a ``gradient_method``.
    ax : matplotlib Axes, default=None
        Where to draw; None makes a new figure.
    max_tasks : int, default=12
        Past this many tasks, the lines are thin, grey and not named.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import warnings
    >>> import numpy as np
    >>> from skmtl import SharedMLPRegressor
    >>> from skmtl.plotting import plot_task_weights
    >>> rng = np.random.RandomState(0)
    >>> X, tasks = rng.randn(120, 3), np.repeat(["clean", "noisy"], 60)
    >>> y = X[:, 0] + np.where(tasks == "noisy", 2.0, 0.1) * rng.randn(120)
    >>> reg = SharedMLPRegressor(hidden_layer_sizes=(8,), max_iter=30, loss_weighting="uncertainty")
    >>> with warnings.catch_warnings(action="ignore"):  # 30 epochs: not converged
    ...     reg = reg.fit(X, y, tasks=tasks)
    >>> ax = plot_task_weights(reg)
    >>> ax.get_ylabel()
    'task weight (1: the default objective)'
    """
    _check_count(max_tasks, "max_tasks")
    model = _network(estimator, "task_weight_history_", "task weights over epochs, task_weight_history_")
    if model.loss_weighting == "equal" and model.gradient_method is None:
        raise ValueError(
            f"{type(model).__name__} was fitted with loss_weighting='equal' and no gradient_method, so its task "
            "weights never change; set loss_weighting='uncertainty', 'dwa' or 'gradnorm' (or a "
            "gradient_method) and refit to see them move."
        )
    history = np.asarray(model.task_weight_history_, dtype=float)
    ax = _axes(ax, "plot_task_weights", (7.0, 4.5))
    note = _task_lines(ax, list(history.T), list(model.tasks_), max_tasks)
    ax.axhline(1.0, color="black", linewidth=0.8, linestyle=":", label="1 (equal)")
    _epoch_axis(ax)
    ax.set_ylabel("task weight (1: the default objective)")
    method = model.gradient_method if model.loss_weighting == "equal" else model.loss_weighting
    ax.set_title(f"Task weights of {type(model).__name__} ({method})")
    ax.legend(title=note, fontsize="small", title_fontsize="small",
              ncol=2 if history.shape[1] > 8 and note is None else 1)
    return ax


# -- the comparison of compare_with_single_task ----------------------------------

_MARKERS = ("o", "s", "^", "D", "v")


def plot_comparison(result, *, similarity="auto", figsize=None):
    """Per-task scores, the multi-task model's gain per task, and the task similarity.

    The figure of :meth:`ComparisonResult.plot <skmtl.model_selection.ComparisonResult.plot>`
    and of ``skmtl compare --plot``. The tasks are sorted by the multi-task
    model's gain over the better of the two baselines on each task, so the
    tasks where sharing helps come first; with many tasks every k-th is
    labelled. The score panel has a reference line: chance (0.5) for ROC
    AUC, 0 for R² and explained variance and -1 for the negated normalised
    MSE (predicting each task's mean), else the better baseline's
    task-averaged score. Its axis stops near the best possible score (1 for
    ROC AUC), however far the error bars reach.

    Parameters
    ----------
    result : ComparisonResult
        What :func:`~skmtl.compare_with_single_task` returned.
    similarity : bool or 'auto', default='auto'
        Add a clustered heat map of ``result.task_similarity``
        (:func:`plot_task_similarity`); 'auto' does when there is one that
        is not the same number for every pair of tasks (that one is stated
        in the legend's title instead).
    figsize : tuple, default=None
        Figure size in inches; None: 13 x 6 with the heat map, 10 x 6
        without (1560 or 1200 pixels wide at dpi=120), whatever the
        number of tasks.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Its Axes are the scores, the gains, then (if drawn) the heat map
        and its colour bar.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skmtl.model_selection import ComparisonResult
    >>> from skmtl.plotting import plot_comparison
    >>> rng = np.random.RandomState(0)
    >>> result = ComparisonResult(  # made-up scores of 3 models, in 4 folds, on 5 tasks
    ...     scoring="roc_auc", models=("multi-task", "independent", "pooled"),
    ...     descriptions=("MultiTaskKernelSVC()", "SVC() per task", "SVC() on all tasks"),
    ...     tasks=np.array(list("abcde"), dtype=object), task_sizes=np.full(5, 40),
    ...     scores=rng.uniform(0.6, 0.9, (3, 4, 5)), fit_times=np.ones((3, 4)))
    >>> figure = plot_comparison(result)
    >>> [ax.get_ylabel() for ax in figure.axes]
    ['roc_auc (mean over 4 folds)', 'multi-task minus\\nbetter baseline']
    """
    plt = _pyplot("plot_comparison")
    matrix = result.task_similarity
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
    mean, std, _ = result._per_task()
    gain = _gains(mean)
    order = np.argsort(-np.where(np.isnan(gain), -np.inf, gain), kind="stable")  # undefined last
    handles = _plot_scores(scores, result, mean[:, order], std[:, order])
    _plot_gains(gains, result, gain[order], result.tasks[order])
    legend_title = "model (task-averaged score)"
    if show_similarity:
        title = _similarity_title(result) + (" (the same for every pair)" if constant else "")
        plot_task_similarity(matrix, tasks=result.tasks, ax=figure.add_subplot(grid[:, 1]), title=title,
                             normalize=bool((np.diag(matrix) > 0).all()))  # else the correlation is undefined
    elif constant and len(matrix) > 1:  # said in words: a heat map of one colour shows nothing
        title = _similarity_title(result)
        value = "" if "rho=" in title else f": {_off_diagonal(matrix)[0]:.3g}"
        pairs = "between the two tasks" if len(matrix) == 2 else "for every pair of tasks"
        legend_title += f"\n{title}{value} {pairs} (no heat map)"
    figure.legend(
        handles, [handle.get_label() for handle in handles], loc="outside upper center", ncol=4,
        title=legend_title, fontsize="small", title_fontsize="small",
    )
    return figure


def _gains(mean):
    """Per task, the first model's mean score minus the better other model's (NaN: undefined).

    Examples
    --------
    >>> _gains(np.array([[0.8, 0.5, np.nan], [0.7, np.nan, np.nan], [0.6, 0.6, 0.9]]))
    array([ 0.1, -0.1,  nan])
    """
    best = np.max(np.where(np.isnan(mean[1:]), -np.inf, mean[1:]), axis=0)
    gain = mean[0] - best
    return np.where(np.isfinite(gain), gain, np.nan)


def _plot_scores(ax, result, mean, std):
    """Each model's mean score per task, in the given order (error bars: std over folds), and the reference line.

    Returns what the legend shows: the models, then the line (when there is one).
    """
    summary = result.summary()
    n_models, n_tasks = mean.shape
    positions = np.arange(n_tasks)
    few = n_tasks <= 30  # error bars and side-by-side markers stay readable
    spread = np.concatenate([mean - std, mean + std]) if few else mean
    reference = _reference(result, summary)
    scale = SCORE_SCALES.get(result.scoring)
    best = None if scale is None else scale.best
    (low, high), cut = _limits(spread, mean, None if reference is None else reference[0], best)
    handles = []
    for m, model in enumerate(result.models):
        x = positions + ((m - (n_models - 1) / 2) * 0.22 if few else 0)
        handles.append(ax.errorbar(
            x, mean[m], yerr=std[m] if few else None, fmt=_MARKERS[m % len(_MARKERS)],
            color=f"C{m}", markersize=6 if few else 3.5, elinewidth=0.8, capsize=2 if few else 0,
            label=f"{model} ({_score(summary[model]['mean'])})",
        ))
        below = mean[m] < low  # far below the others: an arrow at the edge, said in the title
        ax.plot(x[below], np.full(below.sum(), low + 0.03 * (high - low)), "v", color=f"C{m}", markersize=7)
    if reference is not None:
        value, words, colour = reference
        handles.append(ax.axhline(value, color=colour, linewidth=1, linestyle="--", label=words, zorder=0))
    ax.set_ylim(low, high)
    ax.tick_params(axis="x", labelbottom=False)
    ax.set_xlim(-0.6, n_tasks - 0.4)
    # The metric names the axis; a negated loss says which way is better.
    negated = ", negated: higher is better" if result.scoring.startswith("neg_") else ""
    ax.set_ylabel(f"{result.scoring} (mean over {result.n_folds} folds{negated})")
    ax.set_title(f"Per-task {result.scoring}, tasks sorted by the gain below{cut}", fontsize="medium")
    ax.grid(axis="y", alpha=0.3)
    return handles


def _score(value):
    """A task-averaged score in the legend: '0.812', or 'undefined' (as the table says)."""
    return "undefined" if np.isnan(value) else f"{value:.3f}"


def _reference(result, summary):
    """(value, legend words, colour) of the score panel's reference line, or None.

    The scorer's chance level (:data:`skmtl.metrics.SCORE_SCALES`), else the better
    baseline's task-averaged score, in its colour; None when no baseline
    has a defined score.
    """
    scale = SCORE_SCALES.get(result.scoring)
    if scale is not None and scale.floor_value is not None:
        return scale.floor_value, scale.floor_label, "0.3"
    means = np.array([summary[model]["mean"] for model in result.models[1:]])
    if not np.isfinite(means).any():
        return None
    m = 1 + int(np.nanargmax(means))
    return summary[result.models[m]]["mean"], f"{result.models[m]}, task-averaged", f"C{m}"


def _plot_gains(ax, result, gain, tasks):
    """Multi-task minus the better baseline on each task, in the given order, around a 0 line."""
    colours = np.where(np.isnan(gain), "0.6", np.where(gain > 0, "C0", "C3"))
    ax.bar(np.arange(len(gain)), np.nan_to_num(gain), 0.8, color=colours)
    ax.axhline(0.0, color="black", linewidth=0.8)
    step = _thin_ticks(ax.xaxis, [str(task) for task in tasks], 40)
    ax.set_xlabel(f"task (by gain{_every(step)})")
    ax.set_ylabel(f"{result.models[0]} minus\nbetter baseline")
    (low, high), cut = _limits(gain, gain, 0.0)
    ax.set_ylim(low, high)
    defined = np.isfinite(gain)
    undefined = f" ({len(gain) - defined.sum()} undefined: no bar)" if not defined.all() else ""
    ax.set_title(f"Gain per task: above 0 on {np.sum(gain > 0)} of {defined.sum()} tasks{undefined}{cut}",
                 fontsize="medium")
    ax.grid(axis="y", alpha=0.3)


def _similarity_title(result):
    """The heat map's title, saying where the similarity came from."""
    if result.similarity_source == "learned":
        return f"Learned task similarity (mean over {result.n_folds} folds)"
    if result.similarity_source == "given":
        matrix = result.task_similarity
        if _is_constant(matrix) and np.allclose(np.diag(matrix), 1.0) and len(matrix) > 1:
            return f"Task similarity (given: rho={_off_diagonal(matrix)[0]:.3g})"
        return "Task similarity (given)"
    return "Task similarity"


def _limits(spread, points, reference, best=None):
    """((low, high) y limits, words on the points they leave out).

    The limits hold every value of ``spread`` (means and error bars) and the
    ``reference`` (None: no line), up to the ``best`` possible score (None:
    no bound), unless a few lie far below the rest, as an R² of -25 beside
    scores near 0.8: "far" is 3 times the 10-90% range below the 10th
    percentile. ``points`` are the means, one row per model (1-D: one model),
    one column per task. With no finite value at all: (0, 1).

    Examples
    --------
    >>> scores = np.tile(np.linspace(0.6, 0.9, 10), (3, 1))  # 3 models, 10 tasks
    >>> scores[:, 0] = -25.0  # one task no model learns
    >>> (low, high), words = _limits(scores, scores, 0.5, best=1.0)
    >>> bool(-1 < low < 0.5 and 0.9 < high <= 1.05), words
    (True, '; 3 points (1 task) below the axis (lowest -25)')
    """
    values = np.append(np.ravel(spread), [] if reference is None else reference)
    values = values[np.isfinite(values)]
    if not len(values):
        return (0.0, 1.0), ""
    if best is not None:
        values = np.minimum(values, best)  # error bars past a perfect score: the axis stops there
    q10, q90 = np.percentile(values, [10, 90])
    low = max(values.min(), q10 - 3 * (q90 - q10)) if q90 > q10 else values.min()
    high = values.max()
    pad = 0.06 * (high - low) if high > low else 0.05 * max(abs(high), 1.0)
    top = high + pad
    if best is not None:  # room for a marker at the best score, not for a tick past it
        top = min(top, best + 0.02 * (top - low + pad))
    points = np.asarray(points, dtype=float)
    cut = np.nan_to_num(points, nan=np.inf) < low - pad
    if not cut.any():
        return (low - pad, top), ""
    lowest = f"lowest {points[cut].min():.3g}"
    if points.ndim == 1:
        words = f"{_count(cut.sum(), 'task')} below the axis ({lowest})"
    else:
        words = f"{_count(cut.sum(), 'point')} ({_count(cut.any(axis=0).sum(), 'task')}) below the axis ({lowest})"
    return (low - pad, top), f"; {words}"


def _count(n, noun):
    """'1 task', '3 tasks'."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _off_diagonal(matrix):
    """The entries off the diagonal, row by row (the diagonal itself for one task)."""
    return matrix[~np.eye(len(matrix), dtype=bool)] if len(matrix) > 1 else np.diag(matrix)


def _is_constant(matrix):
    """One number off the diagonal and one on it: a heat map would show nothing."""
    scale = max(float(np.abs(matrix).max()), 1e-300)
    return bool(np.ptp(_off_diagonal(matrix)) <= 1e-9 * scale and np.ptp(np.diag(matrix)) <= 1e-9 * scale)
