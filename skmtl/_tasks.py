"""The task data model shared by every skmtl estimator.

Data come in long format: one row per (sample, task) pair, and each row carries
the identifier of its task. The identifier reaches an estimator in one of two
ways, never both:

* ``task_column`` (a constructor parameter): the index or, with a DataFrame,
  the name of the column of ``X`` that holds the ids. The column is removed
  from the features before learning. This path needs no configuration and
  works with every scikit-learn tool, so it is the one the docs lead with.
* ``tasks=`` (a keyword of ``fit``, ``predict``, ...): a sample-aligned array
  of ids, for inputs that cannot hold a column and for metadata routing.

With neither, the estimator is an ordinary single-task model.

Data may also come in wide format: one input per row and a ``y`` of shape
``(n_samples, n_tasks)`` whose column ``t`` holds task ``t``'s labels, a
missing value (NaN, None, ``pd.NA``) meaning "not labelled for this task"
(:func:`read_wide_targets`). The two forms are two spellings of the same
labelled entries, (row, task, label). This module holds every rule of that
contract, so no estimator re-implements it; the classifiers' label handling
lives beside it, in :mod:`skmtl._labels`.
"""

from __future__ import annotations

import numbers
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    check_X_y,
    column_or_1d,
    validate_data,
)

from ._doc_links import DocLinkMixin
from ._version import __version__

#: What a fitted single-task model stores as its only task id.
NO_TASK = None

#: ``tasks=ALL_TASKS`` at predict time: every task for every row (the wide answer).
ALL_TASKS = "all"


def _is_missing(value) -> bool:
    """None, NaN, pandas' NA or NaT."""
    if value is None:
        return True
    try:
        missing = np.isnan(value)
    except (TypeError, ValueError):
        return type(value).__name__ in ("NAType", "NaTType")
    try:
        return bool(missing)
    except TypeError:  # pd.NA: isnan(NA) is NA, whose truth is ambiguous
        return True


_TEXT_TYPES = (str, np.str_)


def _kind(value) -> str | None:
    """'text', 'bytes', 'number' or the type's name; None for a missing value."""
    if isinstance(value, _TEXT_TYPES):
        return "text"
    if isinstance(value, (bytes, np.bytes_)):
        return "bytes"
    if _is_missing(value):
        return None
    return "number" if isinstance(value, (numbers.Number, np.number, np.bool_)) else type(value).__name__


def _scan(raw: np.ndarray) -> tuple[np.ndarray, set]:
    """(missing mask, kinds) of an object array's values, in one pass where it matters.

    The common cases (all text, all ints) are read from the set of types
    alone, without a Python call per value.
    """
    types = set(map(type, raw))
    if all(issubclass(t, _TEXT_TYPES) for t in types):
        return np.zeros(len(raw), bool), {"text"} if len(raw) else set()
    if all(issubclass(t, (int, np.integer, bool, np.bool_)) for t in types):
        return np.zeros(len(raw), bool), {"number"}
    kinds = [_kind(v) for v in raw]
    missing = np.fromiter((k is None for k in kinds), bool, len(raw))
    return missing, set(kinds) - {None}


def _as_object_array(values) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(values as NumPy makes them, or None; their 1-D object array if NumPy would make text or objects).

    The object array is what the user gave, before NumPy turns ``[1, '1']``
    into ``['1', '1']``; numbers and booleans need no such look.
    """
    if isinstance(values, np.ndarray) and values.dtype != object:
        return values, None
    try:
        array = np.asarray(values)
    except (TypeError, ValueError):  # ragged input: let the caller's checks speak
        array = None
    if array is not None and array.dtype.kind not in "OUS":
        return array, None
    try:
        raw = np.asarray(values, dtype=object)
    except (TypeError, ValueError):
        return array, None
    raw = raw.ravel() if raw.ndim == 2 and 1 in raw.shape else raw
    return array, (raw if raw.ndim == 1 else None)


def _as_task_ids(ids, n_samples: int, source: str) -> np.ndarray:
    """Validate raw task ids: 1-D, sample-aligned, no missing values, one kind.

    Distinct ids must stay distinct: ``[1, '1']`` would become one task once
    NumPy turns both into text, so a mix of numbers and text is refused.
    """
    array, raw = _as_object_array(ids)
    if raw is not None:
        missing, kinds = _scan(raw)
        _refuse_missing_ids(missing, source)
        if len(kinds) > 1:
            raise ValueError(
                f"{source} mixes task ids of different types ({' and '.join(sorted(kinds))}), "
                "e.g. 1 and '1', which would be merged into one task; give every id the "
                "same type (all text or all numbers)."
            )
        if kinds == {"number"}:
            _refuse_transformed_ids(np.asarray(raw.tolist()), source)
        # An array keeps its object dtype; a list becomes what NumPy makes of it.
        ids = raw if hasattr(ids, "dtype") else array
    else:
        ids = array if array is not None else np.asarray(ids)
    if ids.ndim != 1:
        ids = column_or_1d(ids, warn=False) if ids.ndim == 2 and 1 in ids.shape else ids
    if ids.ndim != 1:
        raise ValueError(
            f"{source} must be one-dimensional (one task id per row); got an array "
            f"of shape {ids.shape}."
        )
    if ids.shape[0] != n_samples:
        raise ValueError(
            f"{source} has {ids.shape[0]} task ids but X has {n_samples} rows; "
            "pass exactly one task id per row."
        )
    if ids.dtype.kind == "f":
        _refuse_missing_ids(np.isnan(ids), source)
        _refuse_transformed_ids(ids, source)
    return ids


def _refuse_transformed_ids(ids: np.ndarray, source: str) -> None:
    if ids.dtype.kind != "f":
        return
    fractional = ids != np.round(ids)
    if fractional.any():
        raise ValueError(
            f"{source} holds non-integer task ids such as {float(ids[fractional][0]):g}: it looks like "
            "a transformed column (a scaler in a Pipeline standardises every column, task "
            "ids included). Transform only the features with "
            "skmtl.compose.FeatureTransformer(<transformer>, task_column=...), or pass "
            "integer or text ids."
        )


def _refuse_missing_ids(missing: np.ndarray, source: str) -> None:
    if missing.any():
        raise ValueError(
            f"{source} contains {int(missing.sum())} missing task id(s) (None, NaN or NA), "
            f"first at row {int(np.flatnonzero(missing)[0])}; every row needs a task."
        )


def _locate_task_column(X, task_column):
    """(position of the task column, its raw values, X as a DataFrame, sparse matrix or ndarray)."""
    if hasattr(X, "columns") and hasattr(X, "iloc"):  # a pandas DataFrame
        position = _frame_column_position(list(X.columns), task_column)
        return position, X.iloc[:, position].to_numpy(), X
    if isinstance(task_column, str):
        raise ValueError(
            f"task_column={task_column!r} is a column name, which needs X as a "
            "pandas DataFrame; pass the column's integer index instead, or the "
            "task ids with tasks=."
        )
    if sp.issparse(X):
        if X.ndim != 2:
            raise ValueError(f"Expected a 2D sparse matrix with a task column, got shape {X.shape}.")
        position = _column_position(task_column, X.shape[1])
        return position, X[:, [position]].toarray().ravel(), X
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(
            f"Expected a 2D array with a task column, got an array of shape {X.shape}."
        )
    position = _column_position(task_column, X.shape[1])
    return position, X[:, position], X


def names_are_positions(columns) -> bool:
    """Column names that are their positions, as ``pd.DataFrame(array)`` makes them."""
    return list(columns) == list(range(len(columns)))


def _frame_column_position(columns: list, task_column) -> int:
    """Where ``task_column`` is in a DataFrame: a column name means that name, as ``df[...]``.

    An integer is a position only when no column name is an integer, or when
    the names are the positions (``pd.DataFrame(array)``), so that
    ``task_column=0`` on columns ``[1, 0, 2]`` is the column named 0, and on
    other integer-named columns without 0 it is refused rather than guessed.
    """
    shown = f"{columns[:20]}{' ...' if len(columns) > 20 else ''}"
    if task_column in columns:
        matches = [k for k, name in enumerate(columns) if name == task_column]
        if len(matches) > 1:
            raise ValueError(f"task_column={task_column!r} names {len(matches)} columns of X; rename them.")
        return matches[0]
    if isinstance(task_column, str):
        raise ValueError(f"task_column={task_column!r} is not a column of X; its columns are {shown}.")
    if not names_are_positions(columns) and any(isinstance(name, (numbers.Integral, np.integer)) for name in columns):
        raise ValueError(
            f"task_column={task_column!r} is not a column name of X, whose column names are "
            f"integers ({shown}), so reading it as a position would be ambiguous; pass the "
            "name of the task column."
        )
    return _column_position(task_column, len(columns))


def _split_task_column(X, task_column, check_params: dict):
    """Return (features, raw task ids) with the task column removed from X."""
    position, ids, X = _locate_task_column(X, task_column)
    features = check_array(without_column(X, position), input_name="X", **check_params)
    return features, ids


def without_column(X, position: int):
    """X (a DataFrame, a sparse matrix or an array) without its column ``position``."""
    if hasattr(X, "iloc"):
        return X.drop(columns=X.columns[position])
    if sp.issparse(X):
        keep = np.delete(np.arange(X.shape[1]), position)
        return X.tocsc()[:, keep].asformat(X.format)
    return np.delete(X, position, axis=1)


def _refuse_both(task_column, ids, ids_name: str):
    if task_column is not None and ids is not None:
        raise ValueError(
            f"Task ids were given twice: task_column={task_column!r} and {ids_name}=. "
            "Use one of them."
        )


def resolve_task_ids(X, task_column, ids, n_samples: int, ids_name: str = "tasks"):
    """Validated task ids from a column of ``X`` or from an array beside it.

    For the tools around the estimators (scorers, splitters, the comparison),
    which need the ids but not the features. Both given is an error; neither
    gives None.
    """
    _refuse_both(task_column, ids, ids_name)
    if ids is not None:
        return _as_task_ids(ids, n_samples, ids_name)
    if task_column is None:
        return None
    raw = _locate_task_column(X, task_column)[1]
    return _as_task_ids(raw, n_samples, f"task_column={task_column!r}")


# ------------------------------------------------------------ the wide form


def _target_shape(y):
    """``y``'s shape, or None where NumPy cannot make an array of it (ragged lists)."""
    if y is None or isinstance(y, str):
        return None
    try:
        return y.shape if hasattr(y, "shape") else np.asarray(y, dtype=object).shape
    except (TypeError, ValueError):  # ragged nested lists: the 1-D checks will speak
        return None


def is_wide(y) -> bool:
    """Whether ``y`` is in wide format: two or more columns, one per task.

    A single column is a column vector, read as one label per row with
    scikit-learn's DataConversionWarning, as every classifier reads it.
    More than two dimensions are refused (:func:`refuse_nd_targets`).
    """
    shape = _target_shape(y)
    return shape is not None and len(shape) == 2 and shape[1] >= 2


def refuse_nd_targets(y) -> None:
    """Refuse a ``y`` of more than two dimensions, naming the two forms ``y`` may take."""
    shape = _target_shape(y)
    if shape is not None and len(shape) > 2:
        raise ValueError(
            f"y has shape {tuple(shape)}; it must be 1-D (one label per row) or 2-D (one column "
            "per task, the wide form)."
        )


@dataclass
class WideTargets:
    """Wide-format targets, validated: which entries are labelled, and their labels.

    Every row of ``X`` belongs to every task. The labelled entries, in
    row-major order (row 0's tasks, then row 1's, ...), are what the long
    form would hold: :meth:`entries` gives their rows and task codes.
    """

    tasks: np.ndarray  # task ids in y's column order: its column names, else 0..n_tasks-1
    labelled: np.ndarray  # (n_samples, n_tasks) bool: False where the label is missing
    labels: list  # per task, the labels of its labelled rows (in row order), a 1-D array each
    frame: bool = False  # y was a DataFrame (predictions come back as one)

    @property
    def n_tasks(self) -> int:
        return len(self.tasks)

    def entries(self) -> tuple[np.ndarray, np.ndarray]:
        """(row of X, task code) of every labelled entry, row-major."""
        rows, codes = np.nonzero(self.labelled)
        return rows.astype(np.intp), codes.astype(np.intp)

    def entry_labels(self, codes) -> np.ndarray:
        """The label of every entry (codes from :meth:`entries`): one array, object where tasks' types differ."""
        kinds = {_label_kind(labels) for labels in self.labels}
        out = np.empty(len(codes), dtype=object)
        for t, labels in enumerate(self.labels):
            out[codes == t] = labels  # a task's entries are in row order, as its labels
        return np.asarray(out.tolist()) if len(kinds) == 1 and len(out) else out


def align_wide_columns(y, tasks, name: str = "y"):
    """A wide ``y`` with its columns in the order of a fitted model's ``tasks``.

    A DataFrame is matched by column name, so that a reordered frame scores
    each task against its own answers; an array is read by position.
    """
    if not (hasattr(y, "columns") and hasattr(y, "iloc")):
        return y
    names, columns = [plain_id(t) for t in tasks], list(y.columns)
    if columns == names:
        return y
    if len(columns) == len(names) and all(name in columns for name in names):
        return y[names]
    raise ValueError(
        f"{name} has columns {columns[:10]}{' ...' if len(columns) > 10 else ''} but the model's tasks "
        f"are {names[:10]}{' ...' if len(names) > 10 else ''}; give one column per task, named as in fit."
    )


def refuse_ids_beside_wide(y, given: str | None, name: str = "y") -> None:
    """Refuse task ids (``given``: 'tasks=', 'task_column=...', 'groups=' or None) beside
    a wide ``y``, whose columns name the tasks already."""
    if given:
        raise ValueError(
            f"{name} has {np.shape(y)[1]} columns, one per task (the wide form), so every row "
            f"belongs to every task, and {given} would name the tasks a second time: drop "
            f"{given.split('=')[0]}, or give {name} as one label per row (the long form)."
        )


def _label_kind(labels: np.ndarray) -> str:
    return "text" if labels.dtype.kind in "OUS" else "number"


def read_wide_targets(y, n_samples: int, allow_empty: bool = False, check_column=None) -> WideTargets:
    """Validate a wide ``y`` (array or DataFrame, one column per task).

    Task ids are a DataFrame's column names (distinct, of one type), else
    ``0..n_tasks-1``. Each column may miss labels but not all of them
    (unless ``allow_empty``: a test fold may hold none of a task's labels),
    and keeps its own label type; a column mixing types (1 and '1') is
    refused, as in the long form. ``check_column(labels, name)``, where
    given, sees a column's labels of more than one type first (a
    regressor's refusal of text speaks for it better than that of a mix).
    """
    if hasattr(y, "columns") and hasattr(y, "iloc"):
        names = list(y.columns)
        unnamed = [k for k, name in enumerate(names) if _is_missing(name)]
        if unnamed:
            raise ValueError(
                f"y's column {unnamed[0]} has no name ({names[unnamed[0]]!r}); each column is a task, "
                "named by its column name: name every column."
            )
        duplicated = sorted({show_ids([n]) for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(
                f"y has duplicate column names ({', '.join(duplicated)}); each column is a task, "
                "so each needs its own name: rename them."
            )
        tasks = _as_task_ids(np.array(names, dtype=object), len(names), "y's column names")
        columns = [y.iloc[:, t] for t in range(len(names))]
        n_rows, frame = len(y), True
    else:
        array, raw = _as_object_array(y)
        if raw is None and (array is None or array.dtype.kind in "OUS"):
            array = np.asarray(y, dtype=object)
        if array.ndim != 2:
            raise ValueError(f"y must be 1-D (long form) or 2-D (wide form); got shape {array.shape}.")
        tasks = np.arange(array.shape[1])
        columns = [array[:, t] for t in range(array.shape[1])]
        n_rows, frame = array.shape[0], False
    if n_rows != n_samples:
        raise ValueError(
            f"y has {n_rows} rows but X has {n_samples}; in the wide form y holds one row of "
            "labels (one column per task) for each row of X."
        )
    labelled, labels = np.zeros((n_samples, len(columns)), bool), []
    for t, column in enumerate(columns):
        present, values = _column_labels(column, f"y's column {show_ids(tasks[t:t + 1])}", check_column)
        if not present.any() and not allow_empty:
            raise ValueError(
                f"Task {show_ids(tasks[t:t + 1])} (a column of y) has no labels: every entry is "
                "missing. Drop the column, or label some of its rows."
            )
        labelled[:, t] = present
        labels.append(values)
    return WideTargets(tasks, labelled, labels, frame)


def _column_labels(column, name: str, check_column=None) -> tuple[np.ndarray, np.ndarray]:
    """(labelled mask, labels of the labelled rows as their own array) of one wide column."""
    if hasattr(column, "notna"):  # a pandas Series: nullable dtypes (Int64 with NA) stay integers
        present = column.notna().to_numpy()
        values = column[present].to_numpy()
        if values.dtype.kind != "O":
            return present, values
        column = column.to_numpy(dtype=object)
    column = np.asarray(column)
    if column.dtype.kind == "f":
        present = ~np.isnan(column)
        return present, column[present]
    if column.dtype.kind != "O":
        return np.ones(len(column), bool), column
    missing, kinds = _scan(column)
    if len(kinds) > 1 and check_column is not None:
        check_column(column[~missing], name)
    if len(kinds) > 1:
        raise ValueError(
            f"{name} mixes labels of different types ({' and '.join(sorted(kinds))}), e.g. 1 and "
            "'1', which would be merged into one class; give every label of a task the same type."
        )
    present = ~missing
    values = column[present]
    return present, (np.asarray(values.tolist()) if len(values) else values)


def entry_weights(sample_weight, n_samples: int, wide: WideTargets | None, rows, codes) -> np.ndarray:
    """The weight of every labelled entry (float64, non-negative).

    ``sample_weight`` is None (all 1), one number (every row's weight, as
    scikit-learn's ``_check_sample_weight`` reads it), one weight per row of
    X, or, in the wide form, one per label: ``(n_samples, n_tasks)``, read
    where the label is present (its values where labels are missing are
    ignored).

    Examples
    --------
    >>> entry_weights(2, 3, None, None, np.array([0, 0, 1]))
    array([2., 2., 2.])
    """
    n_entries = len(codes)
    if sample_weight is None:
        return np.ones(n_entries)
    weight = np.asarray(sample_weight)
    if weight.ndim == 0:
        try:
            weight = np.full(n_entries, weight, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"sample_weight must be a number or an array of numbers; got {sample_weight!r}."
            ) from None
    elif weight.ndim == 2 and wide is not None:
        if weight.shape != wide.labelled.shape:
            raise ValueError(
                f"sample_weight has shape {weight.shape}; with a wide y of shape "
                f"{wide.labelled.shape} it takes one weight per row ({n_samples},) or one per "
                f"label {wide.labelled.shape}."
            )
        weight = weight[rows, codes]
    elif weight.ndim == 2:
        raise ValueError(
            f"sample_weight has shape {weight.shape}: one weight per label needs y in wide form "
            f"(one column per task); with a 1-D y pass one weight per row, ({n_samples},)."
        )
    else:
        from sklearn.utils.validation import _check_sample_weight

        weight = _check_sample_weight(weight, np.empty((n_samples, 0)), dtype=np.float64)
        weight = weight if rows is None else weight[rows]
    weight = np.asarray(weight, dtype=np.float64)
    if not np.isfinite(weight).all():
        raise ValueError("sample_weight contains NaN or infinity; every weight must be a finite number >= 0.")
    if (weight < 0).any():
        raise ValueError("Negative values in data passed to `sample_weight`")
    return weight


def wide_output(columns: list, tasks, frame: bool, index=None):
    """Per-task 1-D outputs as one ``(n_samples, n_tasks)`` answer.

    The dtype is the columns' common one, object where tasks' label types
    differ; a DataFrame with the task ids as column names when the model was
    fitted on one.
    """
    kinds = {_label_kind(np.asarray(c)) for c in columns}
    if len(kinds) == 1:
        out = np.column_stack(columns) if columns else np.empty((0, 0))
    else:
        out = np.empty((len(columns[0]), len(columns)), dtype=object)
        for t, column in enumerate(columns):
            out[:, t] = column
    if not frame:
        return out
    import pandas as pd

    return pd.DataFrame(
        {plain_id(task): column for task, column in zip(tasks, columns)}, index=index
    )


def plain_id(task):
    """A task id as a plain Python value: 'south', 7 (not np.str_('south'))."""
    return task.item() if isinstance(task, np.generic) else task


def show_ids(ids) -> str:
    """Task ids as a user wrote them, for messages: 'south', 7."""
    return ", ".join(repr(plain_id(v)) for v in ids)


def _column_position(task_column: int, n_columns: int) -> int:
    if not -n_columns <= task_column < n_columns:
        raise ValueError(
            f"task_column={task_column} is out of range for X with {n_columns} columns; "
            f"give the index of the task column (0 to {n_columns - 1}, or -1 for the last)."
        )
    return task_column % n_columns


@contextmanager
def readable_input_errors(X, estimator: str, task_column=None, *, inside_feature_transformer=False):
    """Turn scikit-learn's and NumPy's input errors into one line that names the fix.

    ``check_array`` explains NaN and 1-D input over several lines (printing the
    whole array), and NumPy's "could not convert string to float" names
    neither ``X`` nor the column.
    """
    try:
        yield
    except ValueError as exc:
        message = str(exc)
        first = message.split("\n", 1)[0]
        if "could not convert string to float" in message:
            value = message.split(":", 1)[-1].strip()
            column = _text_column(X, task_column)
            encode = f"make_column_transformer((OneHotEncoder(), [{column[1]!r}]), remainder='passthrough')"
            fix = (
                f"encode it inside the wrapped transformer, e.g. FeatureTransformer({encode}, "
                "task_column=...)" if inside_feature_transformer else
                f"encode text columns first, e.g. skmtl.compose.FeatureTransformer({encode}, "
                "task_column=...) in a Pipeline, or drop them"
            )
            raise ValueError(
                f"X has text ({value}) in {column[0]}, but {estimator} needs numeric features: {fix}."
            ) from None
        if first.startswith("Expected 2D array, got 1D array"):
            raise ValueError(
                f"Expected a 2D array for X, got a 1D array of {np.shape(X)[0]} values. Reshape "
                "your data either using array.reshape(-1, 1) if your data has a single feature "
                "or array.reshape(1, -1) if it contains a single sample."
            ) from None
        if first.startswith("Input y contains "):  # targets: an imputer of X is no fix for them
            raise ValueError(
                f"{first} {estimator} needs a finite target on every row: drop those rows or fill in their targets."
            ) from None
        if first.startswith("Input ") and " contains " in first:  # NaN, infinity, too large
            raise ValueError(
                f"{first} {estimator} does not accept missing or infinite values: impute or "
                "drop them first (e.g. skmtl.compose.FeatureTransformer(SimpleImputer(), "
                "task_column=...) for a table with a task column)."
            ) from None
        if "\n" not in message:
            raise
        raise ValueError(" ".join(line.strip() for line in message.splitlines() if line.strip())) from None


def _text_column(X, task_column) -> tuple[str, object]:
    """("column 'city'", 'city') or ("column 3", 3): the first feature column that is not numeric."""
    if hasattr(X, "columns") and hasattr(X, "iloc"):
        columns = [(name, X.iloc[:, k]) for k, name in enumerate(X.columns)]
    elif isinstance(X, np.ndarray) and X.ndim == 2:
        columns = [(k, X[:, k]) for k in range(X.shape[1])]
    else:
        return "a feature column", "<column>"
    skip = None
    if task_column is not None:
        try:
            skip = _locate_task_column(X, task_column)[0]
        except (ValueError, TypeError):
            pass
    for k, (name, values) in enumerate(columns):
        if k == skip:
            continue
        try:
            np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            return f"column {name!r}", name
    return "a feature column", "<column>"


class TaskDataMixin(DocLinkMixin):  # every task estimator's diagram links to its API page
    """Task handling for skmtl estimators: one implementation of the contract.

    Subclasses define a ``task_column`` parameter and call
    :meth:`_validate_fit_data` in ``fit`` and :meth:`_validate_predict_data`
    in every prediction method.
    """

    def _split(self, X, tasks, *, reset: bool, check_params: dict, y="no_validation"):
        """Return (features, y, raw task ids); y only when one is passed."""
        with readable_input_errors(X, type(self).__name__, self.task_column):
            return self._split_unchecked(X, tasks, reset=reset, check_params=check_params, y=y)

    def _split_unchecked(self, X, tasks, *, reset, check_params, y):
        refuse_nd_targets(y)
        if is_wide(y):
            return self._split_wide(X, tasks, reset, check_params, y)
        if isinstance(tasks, str) and tasks == ALL_TASKS:
            return self._split_all_tasks(X, reset, check_params)
        _refuse_both(self.task_column, tasks, "tasks")
        if y is not None and not isinstance(y, str):
            self._check_targets(y)
        if self.task_column is None:
            if isinstance(y, str):  # "no_validation": predicting
                X = validate_data(self, X, reset=reset, **check_params)
            else:
                X, y = validate_data(self, X, y, reset=reset, **check_params)
            if tasks is None:
                return X, y, None
            return X, y, _as_task_ids(tasks, X.shape[0], "tasks")
        # Names and counts cover the whole X, task column included, as for
        # HistGradientBoostingClassifier(categorical_features=...).
        if getattr(X, "ndim", 2) != 2 and not isinstance(X, list):
            raise ValueError(
                f"Expected a 2D array with a task column, got {getattr(X, 'ndim', '?')}D input."
            )
        if y is None:
            raise ValueError(
                f"This {type(self).__name__} estimator requires y to be passed, but the "
                "target y is None."
            )
        validate_data(self, X, reset=reset, skip_check_array=True)
        features, ids = _split_task_column(X, self.task_column, check_params)
        if not isinstance(y, str):
            features, y = check_X_y(features, y, **check_params)
        return features, y, _as_task_ids(ids, features.shape[0], f"task_column={self.task_column!r}")

    def _split_wide(self, X, tasks, reset, check_params, y):
        """(features, :class:`WideTargets`, None): every row belongs to every task."""
        self._refuse_ids_with_wide(y, tasks)
        X = validate_data(self, X, reset=reset, **check_params)
        return X, read_wide_targets(y, X.shape[0], check_column=self._check_wide_column), None

    def _refuse_ids_with_wide(self, y, tasks):
        refuse_ids_beside_wide(
            y,
            f"task_column={self.task_column!r}" if self.task_column is not None
            else "tasks=" if tasks is not None else None,
        )

    def _split_all_tasks(self, X, reset, check_params):
        """(features, no y, None): rows to answer for every task (a task column is dropped)."""
        if self.task_column is None:
            return validate_data(self, X, reset=reset, **check_params), "no_validation", None
        validate_data(self, X, reset=reset, skip_check_array=True)
        return _split_task_column(X, self.task_column, check_params)[0], "no_validation", None

    def _check_targets(self, y):
        """Checks on the raw targets, before NumPy converts them (the classifiers' label checks)."""

    def _check_wide_column(self, labels, name: str):
        """Checks on the labels of a wide y's column that mixes types, before it is refused as a mix."""

    def _validate_fit_data(self, X, y, tasks, **check_params):
        """Validate X and y for ``fit``; set ``tasks_`` and ``n_tasks_``.

        Returns the feature matrix, y and the task code (0..n_tasks-1) of each
        row; for a wide y, the features, its :class:`WideTargets` and None
        (``tasks_`` then follows y's columns, and predictions default to
        every task).
        """
        X, y, ids = self._split(X, tasks, reset=True, check_params=check_params, y=y)
        return (X, *self._fit_targets(y, ids, X.shape[0]))

    def _fit_targets(self, y, ids, n_samples):
        """(y, task codes) of validated targets, setting ``tasks_``: (:class:`WideTargets`, None) when wide."""
        if isinstance(y, WideTargets):
            self.tasks_, self.n_tasks_ = y.tasks, y.n_tasks
            self._wide_form = "frame" if y.frame else "array"
            return y, None
        self._wide_form = None
        return y, self._fit_task_codes(ids, n_samples)

    def _fit_task_codes(self, ids, n_samples):
        """Set ``tasks_`` and ``n_tasks_`` from validated ids (None: one task); return codes."""
        if ids is None:
            self.tasks_ = np.array([NO_TASK], dtype=object)
            codes = np.zeros(n_samples, dtype=np.intp)
        else:
            try:
                self.tasks_, codes = np.unique(ids, return_inverse=True)
            except TypeError as exc:
                raise TypeError(
                    "Task ids must be mutually comparable (all numbers or all "
                    f"strings, say); sorting them failed: {exc}"
                ) from None
            codes = codes.astype(np.intp, copy=False)
        self.n_tasks_ = len(self.tasks_)
        return codes

    def _validate_predict_data(self, X, tasks, **check_params):
        """Validate X for prediction; return features and task codes.

        The codes are None where every task is to be answered for every row:
        ``tasks='all'``, or no task ids for a model fitted on a wide y. A model fitted on several tasks refuses rows without task ids, and
        task ids unseen in ``fit`` are an error: a task-blind prediction of a
        multi-task model looks plausible and is wrong.
        """
        check_is_fitted(self)
        if self._answers_every_task(tasks):
            return self._split(X, ALL_TASKS, reset=False, check_params=check_params)[0], None
        X, _, ids = self._split(X, tasks, reset=False, check_params=check_params)
        return X, self._known_task_codes(ids, X.shape[0])

    def _answers_every_task(self, tasks) -> bool:
        """Whether a prediction answers every task for every row: ``tasks='all'``, or no
        task ids for a model fitted on a wide y (it answers in its own form)."""
        return (tasks is None and self._fitted_wide) or (isinstance(tasks, str) and tasks == ALL_TASKS)

    def _read_targets(self, y, tasks, ids, inputs, first_pass):
        """(y, task codes) for inputs validated elsewhere (sequences, images): the wide or the
        long form, with the checks :meth:`_split` makes on a table's targets.

        ``inputs`` are the validated inputs (one per row), ``ids`` their task ids or None.
        """
        refuse_nd_targets(y)
        if is_wide(y):  # one label column per task
            self._refuse_ids_with_wide(y, tasks)
            y = read_wide_targets(y, len(inputs), check_column=self._check_wide_column)
        else:
            self._check_targets(y)
            y = column_or_1d(y, warn=True)
            check_consistent_length(inputs, y)
        targets = self._fit_targets if first_pass else self._more_targets
        return targets(y, ids, len(inputs))

    @property
    def _fitted_wide(self) -> bool:
        """Whether ``fit`` saw a wide y (one column per task)."""
        return getattr(self, "_wide_form", None) is not None

    def _wide_answer(self, columns: list, X=None):
        """Per-task outputs for every row, as ``predict`` returns them (:func:`wide_output`)."""
        index = X.index if self._wide_form == "frame" and hasattr(X, "iloc") else None  # a DataFrame's
        return wide_output(columns, self.tasks_, self._wide_form == "frame", index)

    def _labelled_entries(self, n_samples: int, y, codes, sample_weight):
        """Row, task code and weight (:func:`entry_weights`) of each training entry.

        In the long form every row is one entry (``rows`` None); a wide y
        (:class:`WideTargets`) gives its labelled entries in
        ``y.entries()`` order. Returns ``(rows, codes, weight)``.
        """
        if isinstance(y, WideTargets):
            rows, codes = y.entries()
            return rows, codes, entry_weights(sample_weight, n_samples, y, rows, codes)
        return None, codes, entry_weights(sample_weight, n_samples, None, None, codes)

    def _wide_score_inputs(self, X, y, sample_weight, dtype):
        """What a score on a wide y reads: ``(wide, rows, codes, weight, predicted)``.

        ``y`` (a DataFrame matched to ``tasks_`` by column name) is read as
        :class:`WideTargets` with its labelled entries ``(rows, codes)`` and
        their weights; ``predicted`` is ``predict(X, tasks='all')`` as an
        (n_samples, n_tasks) array of ``dtype``, one column per task of y.
        """
        y = align_wide_columns(y, self.tasks_)
        wide = read_wide_targets(y, len(y), allow_empty=True, check_column=self._check_wide_column)
        rows, codes = wide.entries()
        weight = entry_weights(sample_weight, len(y), wide, rows, codes)
        predicted = self.predict(X, tasks=ALL_TASKS)
        predicted = np.asarray(predicted.to_numpy() if hasattr(predicted, "to_numpy") else predicted, dtype=dtype)
        if predicted.shape[1] != wide.n_tasks:
            raise ValueError(
                f"y has {wide.n_tasks} columns but the model answers {predicted.shape[1]} tasks; "
                "give one column per task of the fit, in its order."
            )
        return wide, rows, codes, weight, predicted

    def _validate_more_data(self, X, y, tasks, **check_params):
        """Validate X and y to train a fitted model further (warm start, ``partial_fit``).

        The tasks, features and their names must be those of the first fit.
        """
        X, y, ids = self._split(X, tasks, reset=False, check_params=check_params, y=y)
        return (X, *self._more_targets(y, ids, X.shape[0]))

    def _more_targets(self, y, ids, n_samples):
        """(y, task codes) of more training targets, which must be in the form and tasks of the fit."""
        if isinstance(y, WideTargets) != self._fitted_wide:
            fitted, given = ("wide", "long") if self._fitted_wide else ("long", "wide")
            raise ValueError(
                f"This {type(self).__name__} was fitted on a {fitted} y and is given a {given} "
                f"one; train it further on the {fitted} form (one {'column' if fitted == 'wide' else 'label'} "
                f"{'per task' if fitted == 'wide' else 'per row'})."
            )
        if isinstance(y, WideTargets):
            if len(y.tasks) != self.n_tasks_ or np.any(y.tasks != self.tasks_):
                raise ValueError(
                    f"y's tasks ({show_ids(y.tasks[:10])}) are not those of the first fit "
                    f"({show_ids(self.tasks_[:10])}); give the same columns, in the same order."
                )
            return y, None
        return y, self._known_task_codes(ids, n_samples)

    def _known_task_codes(self, ids, n_samples):
        if ids is None:
            if self.n_tasks_ > 1:
                raise ValueError(
                    f"This {type(self).__name__} was fitted on {self.n_tasks_} tasks, so "
                    "it needs the task of every row: pass tasks=<one id per row> (or fit "
                    "with task_column=<column of X holding the ids>)."
                )
            return np.zeros(n_samples, dtype=np.intp)
        return self._encode_tasks(ids)

    def _encode_tasks(self, ids) -> np.ndarray:
        if self.n_tasks_ == 1 and self.tasks_[0] is NO_TASK:
            raise ValueError(
                f"This {type(self).__name__} was fitted without task ids (a single task); "
                "predict without tasks= too, or refit with task ids."
            )
        # A wide fit keeps y's column order, so tasks_ need not be sorted.
        order = np.argsort(self.tasks_, kind="stable") if self._fitted_wide else None
        try:
            codes = np.searchsorted(self.tasks_, ids, sorter=order)
        except TypeError:
            codes = None
        if codes is not None:
            codes = np.minimum(codes, self.n_tasks_ - 1)
            codes = codes if order is None else order[codes]
            known = self.tasks_[codes] == ids
        if codes is None or not np.all(known):
            unknown = (
                np.unique(ids.astype(object)[~known]) if codes is not None
                else np.unique(ids.astype(str))
            )
            raise ValueError(
                f"Unknown task id(s) {show_ids(unknown[:10])}{' ...' if len(unknown) > 10 else ''}: "
                f"they were not seen in fit, which saw {self.n_tasks_} task(s): "
                f"{show_ids(self.tasks_[:10])}{' ...' if self.n_tasks_ > 10 else ''}."
            )
        return codes.astype(np.intp)

    # Pickles carry the skmtl version, as scikit-learn's own estimators do.
    def __getstate__(self):
        state = super().__getstate__()
        state["_skmtl_version"] = __version__
        return state

    def __setstate__(self, state):
        saved = state.pop("_skmtl_version", __version__)
        if saved != __version__:
            warnings.warn(
                f"This {type(self).__name__} was pickled with skmtl {saved} and is loaded "
                f"with skmtl {__version__}; results may differ.",
                UserWarning,
            )
        super().__setstate__(state)
