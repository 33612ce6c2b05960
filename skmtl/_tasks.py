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

With neither, the estimator is an ordinary single-task model. This module
holds every rule of that contract, so no estimator re-implements it; the
classifiers' label handling lives beside it, in :mod:`skmtl._labels`.
"""

from __future__ import annotations

import numbers
import warnings
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
    check_X_y,
    column_or_1d,
    validate_data,
)

from ._version import __version__

#: What a fitted single-task model stores as its only task id.
NO_TASK = None


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


class TaskDataMixin:
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

    def _check_targets(self, y):
        """Checks on the raw targets, before NumPy converts them (the classifiers' label checks)."""

    def _validate_fit_data(self, X, y, tasks, **check_params):
        """Validate X and y for ``fit``; set ``tasks_`` and ``n_tasks_``.

        Returns the feature matrix, y and the task code (0..n_tasks-1) of each row.
        """
        X, y, ids = self._split(X, tasks, reset=True, check_params=check_params, y=y)
        return X, y, self._fit_task_codes(ids, X.shape[0])

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

        A model fitted on several tasks refuses rows without task ids, and
        task ids unseen in ``fit`` are an error: a task-blind prediction of a
        multi-task model looks plausible and is wrong.
        """
        check_is_fitted(self)
        X, _, ids = self._split(X, tasks, reset=False, check_params=check_params)
        return X, self._known_task_codes(ids, X.shape[0])

    def _validate_more_data(self, X, y, tasks, **check_params):
        """Validate X and y to train a fitted model further (warm start, ``partial_fit``).

        The tasks, features and their names must be those of the first fit.
        """
        X, y, ids = self._split(X, tasks, reset=False, check_params=check_params, y=y)
        return X, y, self._known_task_codes(ids, X.shape[0])

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
        try:
            codes = np.searchsorted(self.tasks_, ids)
        except TypeError:
            codes = None
        if codes is not None:
            codes = np.minimum(codes, self.n_tasks_ - 1)
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
