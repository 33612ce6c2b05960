"""Preprocess the features of long-form data without touching its task column.

A scaler placed before a multi-task estimator in a ``Pipeline`` sees the task
column as one more feature: it standardises integer task ids into
``-1.22, 0.0, 1.22`` (and the estimator would learn on those) or fails on
text ids. :class:`FeatureTransformer` wraps any transformer so that it fits
and transforms the feature columns only, and hands the task column on
unchanged, where the next step's ``task_column`` finds it.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils._param_validation import HasMethods
from sklearn.utils import get_tags
from sklearn.utils.validation import _check_feature_names_in, check_array, check_is_fitted, validate_data

from ._doc_links import DocLinkMixin
from ._tasks import _locate_task_column, names_are_positions, readable_input_errors, without_column

__all__ = ["FeatureTransformer"]


def _names_the_column(columns, task_column) -> bool:
    """Whether ``task_column`` is a column name (rather than a position) for these columns."""
    if isinstance(task_column, str):
        return True
    return task_column in list(columns) and not names_are_positions(columns)


class FeatureTransformer(DocLinkMixin, TransformerMixin, BaseEstimator):
    """Apply a transformer to the features and pass the task column through.

    The task column keeps its name (DataFrame input) or its index (array
    input: index ``i >= 0`` stays column ``i`` of the output, ``-k`` stays the
    ``k``-th from the end), so the multi-task estimator after it takes the
    same ``task_column``.

    Parameters
    ----------
    transformer : transformer
        Fitted on the features alone (the columns other than the task
        column), e.g. ``StandardScaler()`` or a ``Pipeline`` of
        transformers. It is cloned.
    task_column : int or str
        The column of ``X`` holding the task ids: a name with a DataFrame,
        else an index.

    Attributes
    ----------
    transformer_ : transformer
        The fitted clone of ``transformer``.
    n_features_in_ : int
        Columns of ``X`` in fit, task column included.
    feature_names_in_ : ndarray of str
        Column names of ``X`` in fit, when it is a DataFrame.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmtl import MultiTaskKernelSVC
    >>> from skmtl.compose import FeatureTransformer
    >>> rng = np.random.RandomState(0)
    >>> X = np.column_stack([rng.randn(60, 2) * [1, 100], np.repeat([0, 1, 2], 20)])
    >>> y = (X[:, 0] > 0).astype(int)
    >>> model = make_pipeline(
    ...     FeatureTransformer(StandardScaler(), task_column=2),
    ...     MultiTaskKernelSVC(task_column=2),
    ... ).fit(X, y)
    >>> model[-1].tasks_          # the ids as they were, not standardised
    array([0., 1., 2.])
    >>> model[0].transform(X[:2]).round(2)
    array([[1.58, 0.2 , 0.  ],
           [0.85, 2.01, 0.  ]])
    """

    _parameter_constraints: dict = {
        "transformer": [HasMethods(["fit", "transform"])],
        "task_column": [Integral, str],
    }

    def __init__(self, transformer, *, task_column):
        self.transformer = transformer
        self.task_column = task_column

    def fit(self, X, y=None, **fit_params):
        """Fit the transformer on the feature columns of ``X``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The data, task column included.
        y : array-like of shape (n_samples,), default=None
            Passed to the transformer's ``fit``.
        **fit_params : dict
            Passed to the transformer's ``fit``.

        Returns
        -------
        self : object
        """
        self.fit_transform(X, y, **fit_params)
        return self

    def fit_transform(self, X, y=None, **fit_params):
        """Fit the transformer on the features and return them transformed, task column included.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The data, task column included.
        y : array-like of shape (n_samples,), default=None
            Passed to the transformer's ``fit_transform``.
        **fit_params : dict
            Passed to the transformer's ``fit_transform``.

        Returns
        -------
        X_out : ndarray, sparse matrix or DataFrame
            The transformed features with the task column in its place.
        """
        self._validate_params()
        with readable_input_errors(X, type(self.transformer).__name__, self.task_column,
                                   inside_feature_transformer=True):
            X = self._check(X, reset=True)
            features, ids, position, frame = self._split(X)
            self.transformer_ = clone(self.transformer)
            self._position_in_fit = position
            self._task_by_name = frame is not None and _names_the_column(frame.columns, self.task_column)
            out = self.transformer_.fit_transform(features, y, **fit_params)
        return self._join(out, ids, position, frame)

    def transform(self, X):
        """Transform the features of ``X``; the task column passes through.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The data, task column included.

        Returns
        -------
        X_out : ndarray, sparse matrix or DataFrame
            The transformed features with the task column in its place.
        """
        check_is_fitted(self)
        with readable_input_errors(X, type(self.transformer).__name__, self.task_column,
                                   inside_feature_transformer=True):
            X = self._check(X, reset=False)
            features, ids, position, frame = self._split(X)
            out = self.transformer_.transform(features)
        return self._join(out, ids, position, frame)

    def _check(self, X, reset):
        """X as a DataFrame, a CSR/CSC matrix or a 2-D array of any dtype; set or check its columns."""
        if not hasattr(X, "iloc"):
            X = check_array(X, accept_sparse=("csr", "csc"), dtype=None, ensure_all_finite=False)
        validate_data(self, X, reset=reset, skip_check_array=True)
        if X.shape[1] < 2:
            raise ValueError(
                f"X has {X.shape[1]} column(s), the task column among them: 0 feature(s) to "
                "transform, while a minimum of 1 feature(s) besides the task column is required."
            )
        return X

    def _split(self, X):
        """(features, task ids, position of the task column, X if it is a DataFrame else None)."""
        position, ids, located = _locate_task_column(X, self.task_column)
        frame = located if hasattr(located, "iloc") else None
        return without_column(located, position), ids, position, frame

    def _output_index(self, n_out, position):
        """Where the task column goes among ``n_out`` transformed features.

        By name: where it was (the next step finds it by name). By index:
        ``i >= 0`` stays ``i`` and ``-k`` stays ``k``-th from the end, whatever
        the number of columns the transformer returns.
        """
        if self._task_by_name:
            return min(position, n_out)
        given = self.task_column
        at = given if given >= 0 else n_out + 1 + given
        if not 0 <= at <= n_out:
            raise ValueError(
                f"The transformer returns {n_out} feature columns, too few to put the task "
                f"column back at index {given}; use task_column=-1 (the last column)."
            )
        return at

    def _join(self, out, ids, position, frame):
        """Put the task column back where the next step's ``task_column`` looks for it."""
        at = self._output_index(out.shape[1], position)
        if frame is not None:
            return self._join_frame(out, at, position, frame)
        ids = np.asarray(ids)
        if sp.issparse(out):
            column = sp.csr_matrix(ids.astype(out.dtype).reshape(-1, 1))
            return sp.hstack([out[:, :at], column, out[:, at:]], format=out.format)
        out = np.asarray(out)
        dtype = np.result_type(out.dtype, ids.dtype) if ids.dtype.kind in "biuf" else object
        return np.column_stack([out[:, :at].astype(dtype), ids.astype(dtype), out[:, at:].astype(dtype)])

    def _join_frame(self, out, at, position, frame):
        import pandas as pd

        task_name = frame.columns[position]
        names = self._feature_names_out(out.shape[1], frame.columns.drop(task_name), names_are_positions(frame.columns))
        if sp.issparse(out):  # e.g. OneHotEncoder's default output
            out = pd.DataFrame.sparse.from_spmatrix(out, index=frame.index, columns=names)
        elif hasattr(out, "iloc"):  # set_output(transform="pandas") asked for by the user
            out = out.set_axis(names, axis=1).copy()
        else:
            out = pd.DataFrame(np.asarray(out), index=frame.index, columns=names)
        positional = names_are_positions(frame.columns)
        out.insert(at, "_task" if positional else task_name, frame.iloc[:, position])
        if positional:  # pd.DataFrame(array) in, the same kind out
            out.columns = range(out.shape[1])
        return out

    def _feature_names_out(self, n_out, feature_names, positional):
        """Names of the transformed features of a DataFrame."""
        if all(isinstance(name, str) for name in feature_names):
            try:
                return list(self.transformer_.get_feature_names_out())
            except (AttributeError, ValueError, TypeError):
                return [f"x{k}" for k in range(n_out)]
        # Names that are not all text (the transformer saw none): positions stay
        # positions (renumbered by the caller); other names are kept where the
        # columns map one to one.
        if positional:
            return [f"_{k}" for k in range(n_out)]  # numbered by the caller
        if n_out == len(feature_names):
            return list(feature_names)
        raise ValueError(
            "X has column names that are not all text, and the transformer changes the "
            f"number of feature columns ({len(feature_names)} to {n_out}), so they cannot "
            "keep their names; give X text column names (e.g. X.columns = "
            "X.columns.astype(str), and task_column as text)."
        )

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns: the transformer's, and the task column's.

        Parameters
        ----------
        input_features : array-like of str, default=None
            The names of the input columns, task column included; by default
            ``feature_names_in_``, else ``x0, x1, ...``.

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self)
        input_features = _check_feature_names_in(self, input_features)
        position = self._position_in_fit
        features = [name for k, name in enumerate(input_features) if k != position]
        names = list(self.transformer_.get_feature_names_out(features))
        names.insert(self._output_index(len(names), position), input_features[position])
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.transformer).input_tags
        tags.input_tags.sparse = inner.sparse
        tags.input_tags.allow_nan = inner.allow_nan
        tags.input_tags.string = True  # text task ids
        return tags
