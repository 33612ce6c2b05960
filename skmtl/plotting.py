"""Figures of fitted multi-task models: task similarity, loss curves, task weights.

matplotlib is optional (``pip install 'skmtl[plot]'``); it is imported when
a function is called. Each function draws on ``ax`` (a new figure when None)
and returns the Axes, so figures can be composed and saved as usual.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

__all__ = ["plot_loss_curves", "plot_task_similarity", "plot_task_weights"]

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


def _last_step(estimator):
    """The model at the end of a Pipeline (what a TransformedTargetRegressor wraps), else the estimator."""
    inner = getattr(estimator, "regressor_", estimator)
    return inner.steps[-1][1] if hasattr(inner, "steps") else inner


def _check_count(value, name):
    if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def _thin_ticks(axis, labels, max_labels):
    """Label every k-th of ``labels`` on ``axis`` (an Axes' xaxis or yaxis), at most ``max_labels``; return k.

    Positions are ``0..len(labels)-1``; the font shrinks as the count grows,
    and x labels turn upright when they would not fit side by side, so that
    labels at that spacing do not overlap.
    """
    step = -(-len(labels) // max_labels)  # ceil: at most max_labels labels
    shown = range(0, len(labels), step)
    size = "medium" if len(shown) <= 12 else "small" if len(shown) <= 24 else "x-small"
    text = [str(labels[k]) for k in shown]
    axis.set_ticks(list(shown), text, fontsize=size)
    axis.set_tick_params(length=2)
    if axis.axis_name == "x" and len(text) * max(map(len, text)) > 40:
        axis.set_tick_params(labelrotation=90)  # side by side they would overlap
    return step


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
        model = _last_step(similarity)
        if not hasattr(model, "task_similarity_"):
            raise ValueError(
                f"{type(model).__name__} has no task_similarity_: pass a fitted relationship-learning "
                "model (e.g. MultiTaskKernelSVC, MultiTaskRidge), or the matrix itself."
            )
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
    model = _last_step(estimator)
    if not hasattr(model, attribute):
        from sklearn.exceptions import NotFittedError

        if "loss_weighting" in getattr(model, "get_params", dict)():
            raise NotFittedError(f"This {type(model).__name__} is not fitted yet: fit it before plotting its {what}.")
        raise ValueError(
            f"{type(model).__name__} has no {attribute} ({what}); plot_loss_curves and plot_task_weights "
            "draw the training of skmtl's shared networks (SharedMLPClassifier, SharedRNNRegressor, ...)."
        )
    return model


def _task_selection(model, tasks):
    """Positions (in ``tasks_`` order) and ids of the tasks to draw."""
    known = [task for task in model.tasks_]
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
    ax.set_xlabel("epoch")
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
    ax.set_xlabel("epoch")
    ax.set_ylabel("task weight (1: the default objective)")
    method = model.gradient_method if model.loss_weighting == "equal" else model.loss_weighting
    ax.set_title(f"Task weights of {type(model).__name__} ({method})")
    ax.legend(title=note, fontsize="small", title_fontsize="small",
              ncol=2 if history.shape[1] > 8 and note is None else 1)
    return ax
