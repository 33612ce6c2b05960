"""Dask input for the multi-task linear models: fit and predict without gathering the rows.

The Newton solver touches the data only through two operations
(see ``_TaskRows`` in `_primal`): each row's margin ``x_i' w_{t_i}``, and per
task the sums ``X_t' q_t`` (and of squares, for the preconditioner). Here
both run chunk by chunk on the dask scheduler: margins are a lazy array with
X's row chunks, and the per-task sums are one small (T, d) array per chunk,
added up on the client, as dask-glm evaluates its losses and gradients. The
vectors of one value per row that the solver keeps between calls (margins,
curvatures) are persisted where the chunks live. Only the weights, the
labels' and tasks' distinct values and the (task, class) counts travel (for
a regressor, the task ids and whether the targets are finite).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._labels import check_two_classes_per_task
from ._tasks import plain_id


def is_dask(obj) -> bool:
    """Whether ``obj`` is a dask collection (array, DataFrame, Series), without importing dask."""
    return hasattr(obj, "__dask_graph__") and obj.__dask_graph__() is not None


def _blocks(array):
    """The delayed row blocks of a dask array whose columns are one chunk."""
    return list(array.to_delayed().ravel())


def _chunk_margins(X, codes, W, offsets):
    """``x_i' W[t_i] (+ offsets[t_i])`` of one chunk."""
    if sp.issparse(X):
        f = np.asarray(sp.csr_matrix(X).multiply(W[codes]).sum(axis=1)).ravel()
    else:
        f = np.einsum("ij,ij->i", X, W[codes])
    return f if offsets is None else f + offsets[codes]


def _chunk_sums(X, codes, q, q2, n_tasks):
    """One chunk's per-task ``[X_t' q_t, sum q_t (, (X_t*X_t)' q2_t, sum q2_t)]``, packed (T, 2d+2)."""
    columns = np.arange(len(codes))
    E = sp.csr_matrix((q, (codes, columns)), shape=(n_tasks, len(codes)))
    parts = [np.asarray(E @ X), np.bincount(codes, q, n_tasks)[:, None]]
    if q2 is not None:
        E2 = sp.csr_matrix((q2, (codes, columns)), shape=(n_tasks, len(codes)))
        squares = X.multiply(X) if sp.issparse(X) else X * X
        parts += [np.asarray(E2 @ squares), np.bincount(codes, q2, n_tasks)[:, None]]
    return np.hstack(parts)


class DaskRows:
    """The solver's view of a dask X (rows in chunks, any task order); as ``_TaskRows``."""

    def __init__(self, X, codes, n_tasks):
        import dask.array as da

        self._da = da
        self.X = X.rechunk({1: -1})  # each chunk holds whole rows
        self.codes = self.align(codes)
        self.n, self.d = self.X.shape
        self.n_tasks = n_tasks
        self._X_blocks, self._code_blocks = _blocks(self.X), _blocks(self.codes)

    def align(self, v):
        """A per-row dask array in X's row chunks."""
        return v.rechunk((self.X.chunks[0],))

    def keep(self, v):
        """Persist a per-row vector the solver reads again (margins, curvatures)."""
        return v.persist()

    def per_row(self, values):
        """``values[t_i]`` for every row from one value per task, a lazy vector."""
        return self.codes.map_blocks(task_value, values=values, dtype=np.float64)

    def margins(self, W, offsets=None):
        from dask import delayed

        da = self._da
        W_, offsets_ = delayed(W), (None if offsets is None else delayed(offsets))
        parts = [
            da.from_delayed(delayed(_chunk_margins)(x, c, W_, offsets_), shape=(size,), dtype=np.float64)
            for x, c, size in zip(self._X_blocks, self._code_blocks, self.X.chunks[0])
        ]
        return da.concatenate(parts)

    def task_sums(self, q, q2=None):
        import dask
        from dask import delayed

        q_blocks = _blocks(self.align(q))
        q2_blocks = _blocks(self.align(q2)) if q2 is not None else [None] * len(q_blocks)
        parts = [
            delayed(_chunk_sums)(x, c, a, b, self.n_tasks)
            for x, c, a, b in zip(self._X_blocks, self._code_blocks, q_blocks, q2_blocks)
        ]
        total = np.sum(dask.compute(*parts), axis=0)
        d = self.d
        if q2 is None:
            return total[:, :d], total[:, d]
        return total[:, :d], total[:, d], total[:, d + 1:2 * d + 1], total[:, 2 * d + 1]


def _as_dask_vector(values, chunks, name):
    """A 1-D dask array in the given row chunks from a dask or in-memory vector."""
    import dask.array as da

    if hasattr(values, "to_dask_array"):  # a dask Series
        values = values.to_dask_array(lengths=True)
    elif not is_dask(values):
        values = da.from_array(np.asarray(values))
    if values.ndim != 1:
        raise ValueError(f"{name} must be one value per row (1-D); got shape {values.shape}.")
    # One tuple per dimension: a bare tuple of sizes would be read as one
    # size per dimension, the first size for every block.
    return values.rechunk((chunks,))


def _read_dask_rows(estimator, X, y, tasks, sample_weight, target_checks):
    """Validate dask training data and set the fitted task attributes.

    Shared by classifiers and regressors: the task column or ``tasks=``,
    the feature names, X as a float dask array (columns in one chunk), and
    y, the task codes and sample weights as dask vectors in X's row chunks.
    ``target_checks(y)`` gives lazy values about the targets, computed in
    the same pass as the checks here (whether X is finite, the task ids,
    the smallest weight) and returned computed. The weights are not yet
    persisted; the codes are.
    """
    import dask
    import dask.array as da

    name = type(estimator).__name__
    if getattr(y, "ndim", 1) != 1:
        raise ValueError(
            f"{name} fits dask input in the long form only: y one target per row, with tasks= "
            "or task_column (a wide y of one column per task is not supported with dask)."
        )
    columns = list(X.columns) if hasattr(X, "columns") else None
    if estimator.task_column is not None:
        if columns is None or estimator.task_column not in columns:
            raise ValueError(
                f"task_column={estimator.task_column!r} with dask input needs a dask DataFrame "
                "with that column; for a dask array pass the ids with tasks=."
            )
        if tasks is not None:
            raise ValueError("Pass the task ids either with task_column or with tasks=, not both.")
        tasks = X[estimator.task_column]
        X = X.drop(columns=[estimator.task_column])
    if columns is not None:
        if all(isinstance(c, str) for c in columns):
            estimator.feature_names_in_ = np.asarray(columns, dtype=object)
        X = X.to_dask_array(lengths=True)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (rows, features); got a dask array of shape {X.shape}.")
    X = X.astype(np.float64).rechunk({1: -1})
    chunks = X.chunks[0]
    y = _as_dask_vector(y, chunks, "y")
    ids = None if tasks is None else _as_dask_vector(tasks, chunks, "tasks")
    weight = None if sample_weight is None else _as_dask_vector(sample_weight, chunks, "sample_weight")

    lazy = [da.isfinite(X).all()] + ([da.unique(ids)] if ids is not None else [])
    lazy += [weight.min()] if weight is not None else []
    extra = list(target_checks(y))
    found = dask.compute(*lazy, *extra)
    found, targets = found[:len(lazy)], found[len(lazy):]
    if not found[0]:
        raise ValueError("Input X contains NaN or infinity; impute or drop those rows first.")
    estimator.tasks_ = found[1] if ids is not None else np.array([None], dtype=object)
    if weight is not None and found[-1] < 0:
        raise ValueError("sample_weight has negative values; weights must be >= 0.")
    estimator.n_tasks_ = len(estimator.tasks_)
    estimator.n_features_in_ = X.shape[1] + (estimator.task_column is not None)
    estimator._wide_form = None
    codes = (ids.map_blocks(position_in, values=estimator.tasks_, dtype=np.intp)
             if ids is not None else da.zeros(X.shape[0], dtype=np.intp, chunks=chunks))
    weight = da.ones(X.shape[0], chunks=chunks) if weight is None else weight.astype(np.float64)
    return X, y, codes.persist(), weight, targets


def read_dask_training_data(estimator, X, y, tasks, sample_weight):
    """Validate dask training data of a classifier and set the fitted task and label attributes.

    Returns X (a float dask array, columns in one chunk), each row's class
    index into ``classes_``, task code and sample weight (dask arrays in X's
    row chunks), and the (task, class) counts. Computes only small things:
    the distinct labels and task ids, the counts, and whether X is finite.
    """
    import dask
    import dask.array as da

    X, y, codes, weight, (classes,) = _read_dask_rows(
        estimator, X, y, tasks, sample_weight, lambda y: [da.unique(y)]
    )
    if len(classes) < 2:
        raise ValueError("y has a single class; a classifier needs at least two.")

    labels = y.map_blocks(position_in, values=classes, dtype=np.intp)
    n_cells = estimator.n_tasks_ * len(classes)
    cells = codes * len(classes) + labels
    counts, weighed = dask.compute(
        da.bincount(cells, minlength=n_cells), da.bincount(cells, weights=weight > 0, minlength=n_cells)
    )
    counts = counts.reshape(estimator.n_tasks_, len(classes))
    present = weighed.reshape(counts.shape) > 0
    check_two_classes_per_task(estimator.tasks_, present, " among their samples of positive weight")
    estimator.classes_ = classes
    estimator._task_class_mask = present
    estimator._task_labels = [classes[p] for p in present]
    estimator.task_classes_ = {
        plain_id(task): classes[present[t]] for t, task in enumerate(estimator.tasks_)
    }
    # Read on every pass of the solver: computed once, kept next to their chunks.
    labels, weight = dask.persist(labels, weight)
    return X, labels, codes, weight, counts


def read_dask_regression_data(estimator, X, y, tasks, sample_weight):
    """Validate dask training data of a regressor and set the fitted task attributes.

    Returns X (a float dask array, columns in one chunk) and each row's
    target (float64), task code and sample weight, dask arrays in X's row
    chunks and persisted. Computes only small things: the task ids, whether
    X and y are finite, the smallest weight.
    """
    import dask
    import dask.array as da

    kind = getattr(getattr(y, "dtype", None), "kind", "f")
    if kind not in "iuf":
        what = "booleans" if kind == "b" else "text or other non-numbers"
        raise ValueError(
            f"y holds {what}; a regressor needs numeric targets. For class labels use a classifier."
        )
    X, y, codes, weight, (finite,) = _read_dask_rows(
        estimator, X, y, tasks, sample_weight, lambda y: [da.isfinite(y).all()]
    )
    if not finite:
        raise ValueError("y contains NaN or infinite targets; every target must be a finite number.")
    y, weight = dask.persist(y.astype(np.float64), weight)
    return X, y, codes, weight


# Functions mapped over blocks are named, not lambdas: dask names a block's
# task after its function and arguments, and lambdas can share a name.
def position_in(block, values):
    """Each value's index in the sorted ``values``."""
    return np.searchsorted(values, block)


def one_vs_rest(block, positive):
    """±1 labels of the binary subproblem of class ``positive``."""
    return np.where(block == positive, 1.0, -1.0)


def task_value(codes, values):
    """Each row's value from its task's entry of ``values``."""
    return values[codes]


def cell_weight(labels, codes, table):
    """Each row's weight from its (task, class) cell of ``table``."""
    return table[codes, labels]


def class_weight_table(class_weight, classes, counts) -> np.ndarray:
    """Each (task, class) cell's class weight from the cells' row counts.

    What :func:`skmtl._labels.class_weights` gives each row of a long-form
    fit, computed from the counts alone: None, a {label: weight} dict,
    'balanced' (``n / (n_classes * n_c)`` over all rows, as scikit-learn) or
    'balanced_per_task' (``n_t / (n_classes_t * n_tc)``).
    """
    table = np.ones(counts.shape)
    if class_weight is None:
        return table
    if isinstance(class_weight, dict):
        unknown = [k for k in class_weight if k not in set(classes.tolist())]
        if unknown:
            raise ValueError(f"class_weight names label(s) {unknown[:10]} that are not in y.")
        for c, label in enumerate(classes):
            table[:, c] = class_weight.get(label.item() if hasattr(label, "item") else label, 1.0)
        return table
    with np.errstate(divide="ignore", invalid="ignore"):
        if class_weight == "balanced":
            per_class = counts.sum(axis=0)
            table[:] = counts.sum() / (len(classes) * per_class)
        elif class_weight == "balanced_per_task":
            size, n_present = counts.sum(axis=1, keepdims=True), (counts > 0).sum(axis=1, keepdims=True)
            table = size / (n_present * counts)
        else:
            raise ValueError(
                f"class_weight={class_weight!r} with dask input: use None, a dict {{label: weight}}, "
                "'balanced' or 'balanced_per_task'."
            )
    return np.where(np.isfinite(table), table, 0.0)  # empty cells have no rows to weigh


def predict_blocks(estimator, method: str, X, tasks):
    """``estimator.<method>`` on each row block of dask input, as a dask array of the answers."""
    import dask.array as da
    from dask import delayed

    if isinstance(tasks, str):
        raise ValueError(f"tasks={tasks!r} is not supported with dask input; pass one task id per row.")
    frames = hasattr(X, "to_delayed") and hasattr(X, "columns")
    if frames:  # a dask DataFrame: its partitions, task column and all
        x_blocks = list(X.to_delayed())
        sizes = [np.nan] * len(x_blocks)
    else:
        X = X.rechunk({1: -1})
        x_blocks, sizes = _blocks(X), X.chunks[0]
    if tasks is None:
        t_blocks = [None] * len(x_blocks)
    elif frames:
        raise ValueError("With a dask DataFrame, give the task ids as its task_column, not tasks=.")
    else:
        t_blocks = _blocks(_as_dask_vector(tasks, X.chunks[0], "tasks"))
    classes = getattr(estimator, "classes_", None)  # None: a regressor, one number per row
    n_classes = 2 if classes is None else len(classes)
    tail = () if method == "predict" or (method == "decision_function" and n_classes == 2) else (n_classes,)
    dtype = classes.dtype if method == "predict" and classes is not None else np.float64
    answer = getattr(estimator, method)
    parts = [
        da.from_delayed(delayed(answer)(x, tasks=t), shape=(size, *tail), dtype=dtype)
        for x, t, size in zip(x_blocks, t_blocks, sizes)
    ]
    return da.concatenate(parts)
