"""Bad inputs across every public estimator and the ``skmtl compare`` command.

Each cell of the matrix (estimator x bad input) must end in one of two ways:

* a clear error: an exception a user would catch (ValueError, TypeError,
  MemoryError, NotFittedError; AttributeError only for a method that is not
  there), whose message is one line and names the parameter, column or
  argument involved (a regex per case);
* a correct result, where scikit-learn's counterpart also accepts the input:
  the model fits and predicts labels of the right shape from the right set
  (a regressor: finite numbers of the right shape).

The classifiers and the regressors share the task contract, so they share
its cells; the cells of the targets differ (class labels, or numbers: text,
booleans, infinity and a missing long-form target are refused by a
regressor, a task of one row is fitted, as by scikit-learn's Ridge).

A silent fit of a bad input, an IndexError from deep inside, a NumPy or pandas
internal message or a multi-line message all fail the cell. The networks are
tiny and the data are 40 rows, so the whole module runs in seconds.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import pytest
from sklearn.base import is_regressor
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skmtl.model_selection
from skmtl import (
    IndependentTaskClassifier,
    IndependentTaskRegressor,
    MultiTaskKernelRidge,
    MultiTaskKernelSVC,
    MultiTaskKernelSVR,
    MultiTaskLinearSVC,
    MultiTaskLinearSVR,
    MultiTaskLogisticRegression,
    MultiTaskRidge,
    PooledTaskClassifier,
    PooledTaskRegressor,
    SharedCNNClassifier,
    SharedCNNRegressor,
    SharedMLPClassifier,
    SharedMLPRegressor,
    SharedRNNClassifier,
    SharedRNNRegressor,
)
from skmtl._cli import main
from skmtl.compose import FeatureTransformer

# --------------------------------------------------------------------- the verdict

#: Exceptions a user would catch around fit/predict.
CLEAR_TYPES = (ValueError, TypeError, MemoryError, NotFittedError)
#: Never clear, even where they subclass a clear type (np.exceptions.AxisError is a ValueError too).
UNCLEAR_TYPES = (IndexError, KeyError, ZeroDivisionError, RuntimeError, AssertionError)
#: Messages of NumPy / pandas internals that leak through an estimator.
INTERNAL_MESSAGES = (
    r"boolean value of NA is ambiguous",
    r"'<' not supported between",
    r"negative dimensions are not allowed",
    r"cannot be interpreted as an integer",
    r"inhomogeneous",
    r"setting an array element with a sequence",
)


def assert_clear_error(excinfo, pattern, *, attribute_ok=False, forbid=None):
    """The exception is of a catchable type, its message one line matching ``pattern``."""
    exc = excinfo.value if isinstance(excinfo, pytest.ExceptionInfo) else excinfo
    message = str(exc)
    shown = f"{type(exc).__name__}: {message!r}"
    allowed = CLEAR_TYPES + ((AttributeError,) if attribute_ok else ())
    assert isinstance(exc, allowed) and not isinstance(exc, UNCLEAR_TYPES), f"not a clear error type: {shown}"
    assert "\n" not in message, f"multi-line message: {shown}"
    for internal in INTERNAL_MESSAGES:
        assert not re.search(internal, message), f"an internal message leaks through: {shown}"
    assert re.search(pattern, message), f"message does not match {pattern!r}: {shown}"
    if forbid is not None:
        assert not re.search(forbid, message), f"message must not match {forbid!r}: {shown}"


def all_of(*patterns):
    """A regex that matches a one-line message holding every one of ``patterns``, in any order."""
    return "^" + "".join(f"(?=.*(?:{p}))" for p in patterns)


def assert_sensible(model, X, y, **kwargs):
    """Fitted on ``y``: predictions have the right shape and come from ``y``'s labels
    (a regressor's: finite floats, one per row)."""
    if is_regressor(model):
        predicted = model.predict(X, **kwargs)
        assert predicted.shape == (len(y),) and predicted.dtype.kind == "f"
        assert np.isfinite(predicted).all()
        return
    labels = set(np.unique(y).tolist())
    assert set(model.classes_.tolist()) == labels
    predicted = model.predict(X, **kwargs)
    assert predicted.shape == (len(y),)
    assert set(predicted.tolist()) <= labels


# ------------------------------------------------------------------------- data

N, D = 40, 4  # rows; features (the sequence layout reads them as 2 steps x 2 features)


def data(n_tasks=2):
    """(X, y, task ids): every task has both classes, X[:, 0] carries the label."""
    rng = np.random.RandomState(0)
    rows = np.arange(N)
    y = (rows // n_tasks) % 2
    tasks = rows % n_tasks
    X = rng.randn(N, D)
    X[:, 0] += 2 * y
    return X, y, tasks


def numbers(X, tasks):
    """A regression target for ``data()``'s X and tasks: linear in X, a different slope per task."""
    noise = np.random.RandomState(1).randn(len(X))
    return 2.0 * X[:, 0] + (1.0 + tasks) * X[:, 1] + 0.1 * noise


def frame(X, ids):
    """X as a DataFrame: feature columns f0.., and the task ids in a last column 'task'."""
    df = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    df["task"] = ids
    return df


# ------------------------------------------------------------------- estimators


@dataclass(frozen=True)
class Spec:
    """One public estimator, how to build it tiny, and how its input looks."""

    name: str
    build: Callable
    family: str  # 'svc', 'linear_svc', 'logistic', 'svr', 'kernel_ridge', 'ridge', 'linear_svr',
    #              'mlp', 'rnn', 'cnn', 'independent', 'pooled'
    layout: str = "rows"  # 'rows': a 2-D table (task_column works); 'seq': 3-D (steps, features)
    needs: str | None = None  # an optional module
    kind: str = "classifier"  # or 'regressor'
    # Another solver route of an estimator listed already: its input checks are that estimator's,
    # so only the cells that fit (a correct result expected) run on it.
    route_only: bool = False

    def make(self, **params):
        if self.needs is not None:
            pytest.importorskip(self.needs, reason=f"{self.name} needs {self.needs}, which is not importable")
        return self.build(**params)

    def inputs(self, X):
        """A 2-D feature matrix in this estimator's input layout."""
        return X.reshape(len(X), 2, X.shape[1] // 2) if self.layout == "seq" else X

    def data(self, n_tasks=2):
        """(X, y, task ids) of :func:`data`, y numbers for a regressor."""
        X, y, tasks = data(n_tasks)
        return X, (numbers(X, tasks) if self.kind == "regressor" else y), tasks

    def wide_y(self):
        """(X, Y): :func:`wide_y`, a regressor's Y numbers (NaN where missing)."""
        X, Y = wide_y()
        if self.kind == "regressor":
            Y = np.where(np.isnan(Y), np.nan, np.column_stack([numbers(X, np.zeros(N)), numbers(X, np.ones(N))]))
        return X, Y

    def fitted(self):
        """(model fitted on the good two-task data by tasks=, X, y, tasks)."""
        X, y, tasks = self.data()
        return self.make().fit(self.inputs(X), y, tasks=tasks), X, y, tasks

    def __str__(self):
        return self.name


def _tiny(cls, **defaults):
    """A factory of ``cls`` with ``defaults`` that a case's parameters override."""
    return lambda **params: cls(**{**defaults, **params})


MLP = dict(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
RNN = dict(cell="gru", hidden_size=4, max_iter=3, random_state=0)
CNN = dict(conv_layers=[(2, (1, 3))], pool_size=None, padding="same", hidden_layer_sizes=(4,), max_iter=3, random_state=0)
SPECS = [
    Spec("svc", _tiny(MultiTaskKernelSVC, kernel="linear"), "svc"),
    Spec("linear_svc", _tiny(MultiTaskLinearSVC), "linear_svc"),
    Spec("linear_svc_hinge", _tiny(MultiTaskLinearSVC, loss="hinge", random_state=0), "linear_svc"),
    Spec("logistic", _tiny(MultiTaskLogisticRegression), "logistic"),
    Spec("mlp_numpy", _tiny(SharedMLPClassifier, **MLP), "mlp"),
    Spec("mlp_torch", _tiny(SharedMLPClassifier, **MLP, backend="torch", device="cpu"), "mlp", needs="torch"),
    Spec("rnn_rows", _tiny(SharedRNNClassifier, **RNN, n_timesteps=2), "rnn"),  # rows of 2 steps x 2 features
    Spec("rnn_seq", _tiny(SharedRNNClassifier, **RNN), "rnn", layout="seq"),
    Spec("cnn_rows", _tiny(SharedCNNClassifier, **CNN), "cnn"),  # rows as 1 x 4 images
    Spec("independent", _tiny(IndependentTaskClassifier, estimator=LogisticRegression()), "independent"),
    Spec("pooled", _tiny(PooledTaskClassifier, estimator=LogisticRegression()), "pooled"),
]
R = "regressor"
SPECS += [
    Spec("svr", _tiny(MultiTaskKernelSVR, kernel="linear"), "svr", kind=R),
    Spec(
        "svr_learn",
        _tiny(MultiTaskKernelSVR, kernel="linear", task_similarity="learn"),
        "svr",
        kind=R,
        route_only=True,
    ),
    Spec("kernel_ridge", _tiny(MultiTaskKernelRidge), "kernel_ridge", kind=R),
    Spec(
        "kernel_ridge_nystroem",
        _tiny(MultiTaskKernelRidge, kernel="rbf", n_components=8, task_similarity="learn", random_state=0),
        "kernel_ridge",
        kind=R,
        route_only=True,
    ),
    Spec("ridge", _tiny(MultiTaskRidge), "ridge", kind=R),
    Spec("linear_svr", _tiny(MultiTaskLinearSVR, random_state=0), "linear_svr", kind=R),
    Spec("mlp_regressor_numpy", _tiny(SharedMLPRegressor, **MLP), "mlp", kind=R),
    Spec(
        "mlp_regressor_torch",
        _tiny(SharedMLPRegressor, **MLP, backend="torch", device="cpu"),
        "mlp",
        needs="torch",
        kind=R,
    ),
    Spec(
        "mlp_regressor_normalized",
        _tiny(SharedMLPRegressor, **MLP, normalize_targets=True),
        "mlp",
        kind=R,
        route_only=True,
    ),
    Spec("rnn_regressor_rows", _tiny(SharedRNNRegressor, **RNN, n_timesteps=2), "rnn", kind=R),
    Spec("rnn_regressor_seq", _tiny(SharedRNNRegressor, **RNN), "rnn", layout="seq", kind=R),
    Spec("cnn_regressor_rows", _tiny(SharedCNNRegressor, **CNN), "cnn", kind=R),
    Spec("independent_regressor", _tiny(IndependentTaskRegressor, estimator=Ridge()), "independent", kind=R),
    Spec("pooled_regressor", _tiny(PooledTaskRegressor, estimator=Ridge()), "pooled", kind=R),
]
MLPS, NETWORKS = ("mlp", "cnn"), ("mlp", "rnn", "cnn")
BASELINES = ("independent", "pooled")
LINEAR = ("linear_svc", "logistic")
#: The relationship-learning estimators (kernel and linear), which share C and class_weight.
RELATIONSHIP = ("svc", *LINEAR)
#: The regressors with a C (and an epsilon), and those with a ridge alpha.
SUPPORT_VECTOR_REGRESSORS = ("svr", "linear_svr")
RIDGES = ("kernel_ridge", "ridge")
CLASSIFIERS, REGRESSORS = ("classifier",), ("regressor",)


# ------------------------------------------------------------------------ cases


@dataclass(frozen=True)
class Case:
    """A bad input: ``run(spec)`` makes the call; ``pattern`` is the clear error expected.

    ``pattern=None``: ``run`` checks a correct result (or an error) itself.
    """

    name: str
    run: Callable
    pattern: str | None = None
    families: tuple = ()  # empty: every estimator
    layouts: tuple = ("rows", "seq")
    attribute_ok: bool = False
    forbid: str | None = None
    kinds: tuple = ("classifier", "regressor")

    def applies(self, spec):
        return (
            (not self.families or spec.family in self.families)
            and spec.layout in self.layouts
            and spec.kind in self.kinds
            and (self.pattern is None or not spec.route_only)
        )


def fit(spec, X=None, y=None, tasks=None, *, raw=False, sample_weight=None, **params):
    """Fit a fresh tiny model built with ``params``; X, y and tasks default to the good data.

    X is a 2-D feature matrix put into the estimator's layout, unless ``raw``.
    """
    X0, y0, tasks0 = spec.data()
    X = X0 if X is None else X
    return spec.make(**params).fit(
        X if raw else spec.inputs(X),
        y0 if y is None else y,
        tasks=tasks0 if tasks is None else tasks,
        sample_weight=sample_weight,
    )


def _with(values, row, value, dtype=object):
    """A copy of ``values`` as ``dtype`` with ``values[row] = value``."""
    values = np.asarray(values, dtype=dtype).copy()
    values[row] = value
    return values


#: Task ids that must be refused: name -> (ids from the good integer ids, what the message says).
BAD_IDS = {
    "none": (lambda t: _with(t, 5, None), "missing"),
    "nan": (lambda t: _with(t, 5, np.nan, float), "missing"),
    "pd_NA": (lambda t: _with(t, 5, pd.NA), "missing"),
    "nullable_Int64_NA": (lambda t: pd.array(_with(t, 5, None), dtype="Int64"), "missing"),
    "mixed_1_and_str_1": (lambda t: _with(t, 5, "1"), r"mix|different types"),
}
# Standardised integer ids 0, 1, 2: what a scaler before the estimator makes of them.
STANDARDISED = np.resize([-1.2247, 0.0, 1.2247], N)
TASKS_SOURCE = r"\btasks\b"
SAMPLE_WEIGHT = r"sample_weight|[Ss]ample weights"
IMPUTE = r"FeatureTransformer|SimpleImputer|impute"
COLUMN_SOURCE = r"task_column|'task'"


def _ids_by_keyword(make_ids):
    def run(spec):
        X, y, tasks = spec.data()
        fit(spec, X, y, make_ids(tasks))

    return run


def _ids_in_column(make_ids):
    def run(spec):
        X, y, tasks = spec.data()
        spec.make(task_column="task").fit(frame(X, make_ids(tasks)), y)

    return run


def _ids_at_predict(spec):
    model, X, _, tasks = spec.fitted()
    model.predict(spec.inputs(X), tasks=_with(tasks, 5, np.nan, float))


def _standardised_by_keyword(spec):
    X, y, _ = spec.data(3)
    fit(spec, X, y, STANDARDISED)


def _standardised_in_column(spec):
    X, y, _ = spec.data(3)
    spec.make(task_column=-1).fit(np.column_stack([X, STANDARDISED]), y)


def _tasks_wrong_length(spec):
    X, y, tasks = spec.data()
    fit(spec, X, y, tasks[:-1])


def _both_given(spec):
    X, y, tasks = spec.data()
    if spec.layout == "seq":
        spec.make(task_column=0).fit(spec.inputs(X), y, tasks=tasks)
    else:
        spec.make(task_column="task").fit(frame(X, tasks), y, tasks=tasks)


def _predict_without_tasks(spec):
    model, X, _, _ = spec.fitted()
    model.predict(spec.inputs(X))


def _score_without_tasks(spec):
    model, X, y, _ = spec.fitted()
    model.score(spec.inputs(X), y)


def _predict_unseen_task(spec):
    model, X, _, tasks = spec.fitted()
    model.predict(spec.inputs(X), tasks=np.where(tasks == 1, 7, tasks))


def _task_column_out_of_range(spec):
    X, y, tasks = spec.data()
    spec.make(task_column=7).fit(np.column_stack([X, tasks]), y)


def _task_column_name_with_ndarray(spec):
    X, y, tasks = spec.data()
    spec.make(task_column="task").fit(np.column_stack([X, tasks]), y)


def _task_column_not_in_frame(spec):
    X, y, tasks = spec.data()
    spec.make(task_column="site").fit(frame(X, tasks), y)


def _int_column_names(spec):
    """task_column=0 on columns [1, 0, 2, ...] is the column NAMED 0 (text ids there)."""
    X, y, tasks = spec.data()
    df = pd.DataFrame(X, columns=[1, 2, 3, 4])
    df.insert(1, 0, np.where(tasks == 0, "a", "b"))
    assert list(df.columns)[:3] == [1, 0, 2]
    model = spec.make(task_column=0).fit(df, y)
    assert list(model.tasks_) == ["a", "b"]
    assert_sensible(model, df, y)


def _single_class_task(spec):
    X, y, tasks = spec.data()
    fit(spec, X, np.where(tasks == 1, 0, y), tasks)


def _y_with(value, dtype=object):
    def run(spec):
        X, y, tasks = spec.data()
        fit(spec, X, _with(y, 5, value, dtype), tasks)

    return run


def _y_continuous(spec):
    X, _, tasks = spec.data()
    fit(spec, X, np.random.RandomState(1).randn(N), tasks)


def _y_2d(spec):
    X, y, tasks = spec.data()
    fit(spec, X, np.column_stack([y, 1 - y]), tasks)


def _y_wrong_length(spec):
    X, y, tasks = spec.data()
    fit(spec, X, y[:-1], tasks)


def _X_with(value):
    def run(spec):
        X, y, tasks = spec.data()
        X = X.astype(object if isinstance(value, str) else float)
        X[5, 1] = value
        fit(spec, X, y, tasks)

    return run


def _X_1d(spec):
    X, y, tasks = spec.data()
    fit(spec, X[:, 0], y, tasks, raw=True)


def _X_empty(spec):
    X, y, tasks = spec.data()
    fit(spec, X[:0], y[:0], tasks[:0])


def _X_one_dim_too_many(spec):
    """3-D to a table estimator; 4-D to the recurrent one, which takes 3-D sequences; 5-D to
    the convolutional one, which takes 3-D and 4-D images."""
    X, y, tasks = spec.data()
    shape = {"rnn": (N, 2, 2, 1), "cnn": (N, 2, 2, 1, 1)}.get(spec.family, (N, 2, 2))
    fit(spec, X.reshape(shape), y, tasks, raw=True)


def _X_fewer_features_at_predict(spec):
    model, X, _, tasks = spec.fitted()
    model.predict(spec.inputs(X[:, :2]), tasks=tasks)


def _not_fitted(spec):
    X, _, tasks = spec.data()
    spec.make().predict(spec.inputs(X), tasks=tasks)


def _param(**params):
    def run(spec):
        fit(spec, **params)

    return run


def _sample_weight(weights):
    def run(spec):
        fit(spec, sample_weight=weights)

    return run


def _predict_proba_without_probability(spec):
    model, X, _, tasks = spec.fitted()
    model.predict_proba(spec.inputs(X), tasks=tasks)


def _ragged_1d_sequences(spec):
    rng = np.random.RandomState(0)
    X, y, tasks = spec.data()
    sequences = [rng.randn(3 + k % 4) for k in range(N)]  # 1-D: no feature axis
    spec.make().fit(sequences, y, tasks=tasks)


def _early_stopping_tiny_tasks(spec):
    """Either it fits (and predicts sensibly) or it says which parameter to change."""
    X, y, tasks = spec.data(3)  # classes: 3 tasks x 2 classes = 6 strata, more than a 10% split holds
    try:
        model = spec.make(early_stopping=True).fit(spec.inputs(X), y, tasks=tasks)
    except Exception as exc:
        assert_clear_error(exc, "validation_fraction")
    else:
        assert_sensible(model, spec.inputs(X), y, tasks=tasks)


def _diverging(spec):
    """adam at learning_rate_init=1e6: an error or a warning naming learning_rate_init."""
    X, y, tasks = spec.data()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit(spec, X, y, tasks, solver="adam", learning_rate_init=1e6, max_iter=5)
        except Exception as exc:
            assert_clear_error(exc, "learning_rate_init")
            return
    messages = [str(w.message) for w in caught]
    assert any("learning_rate_init" in m for m in messages), (
        f"a diverging run neither raised nor warned about learning_rate_init; warnings: {messages}"
    )


MISSING = "missing"
# the wide form: y with one column per task, NaN where a row is not labelled for a task


def wide_y():
    """Two tasks' labels side by side for the good X, a quarter of them missing."""
    X, y, _ = data()
    Y = np.column_stack([y, (X[:, 0] > 1).astype(int)]).astype(float)
    Y[::4, 0] = np.nan
    Y[1::4, 1] = np.nan
    return X, Y


def _wide(make_y, **fit_params):
    def run(spec):
        X, Y = spec.wide_y()
        spec.make().fit(spec.inputs(X), make_y(Y), **fit_params)

    return run


def _wide_with_task_column(spec):
    X, Y = spec.wide_y()
    spec.make(task_column="task").fit(frame(X, data()[2]), Y)


def _wide_unknown_task_at_predict(spec):
    X, Y = spec.wide_y()
    model = spec.make().fit(spec.inputs(X), Y)
    model.predict(spec.inputs(X), tasks=np.full(N, 7))


def _wide_score_other_columns(spec):
    """Scored on a y whose columns are not the tasks of the fit (a DataFrame's are matched by name)."""
    X, Y = spec.wide_y()
    model = spec.make().fit(spec.inputs(X), pd.DataFrame(Y, columns=["a", "b"]))
    model.score(spec.inputs(X), pd.DataFrame(Y, columns=["a", "c"]))


def _wide_fits_and_answers_every_task(spec):
    X, Y = spec.wide_y()
    frame_y = pd.DataFrame({"a": Y[:, 0], "b": np.where(np.isnan(Y[:, 1]), None, np.where(Y[:, 1] == 1, "yes", "no"))})
    try:
        model = spec.make().fit(spec.inputs(X), frame_y)
    except Exception as exc:  # the one refusal allowed: one-vs-rest over a union of text and numbers
        assert_clear_error(exc, r"label.*type|type.*label")
        frame_y = pd.DataFrame(Y, columns=["a", "b"])
        model = spec.make().fit(spec.inputs(X), frame_y)
    predicted = model.predict(spec.inputs(X))
    assert predicted.shape == (N, 2) and list(predicted.columns) == ["a", "b"]
    for column in ("a", "b"):
        assert set(predicted[column].tolist()) <= set(frame_y[column].dropna().tolist())


def _with_column(Y, column, values):
    Y = Y.copy()
    Y[:, column] = values
    return Y


# regression: the targets are numbers


def _y_as(make_y):
    """Fit on ``make_y(y, tasks)`` in place of the good numeric targets."""

    def run(spec):
        X, y, tasks = spec.data()
        fit(spec, X, make_y(y, tasks), tasks)

    return run


def _y_fits(make_y, whole=False):
    """Numbers in another container (``make_y`` of the float targets, rounded if ``whole``), as
    scikit-learn's regressors accept them: the model is the one fitted on the float targets."""

    def run(spec):
        X, y, tasks = spec.data()
        y = np.round(y) if whole else y
        model = fit(spec, X, make_y(y), tasks)
        assert_sensible(model, spec.inputs(X), y, tasks=tasks)
        reference = fit(spec, X, y, tasks).predict(spec.inputs(X), tasks=tasks)
        np.testing.assert_allclose(model.predict(spec.inputs(X), tasks=tasks), reference, rtol=1e-6, atol=1e-6)

    return run


def _single_row_task(spec):
    """A task with one row: fitted, as scikit-learn's Ridge (and SVR, KernelRidge, MLPRegressor) fit one row."""
    X, y, tasks = spec.data()
    tasks = tasks.copy()
    tasks[0] = 2
    model = fit(spec, X, y, tasks)
    assert list(model.tasks_) == [0, 1, 2]
    assert_sensible(model, spec.inputs(X), y, tasks=tasks)
    assert np.isfinite(model.score(spec.inputs(X), y, tasks=tasks))


def _wide_fits_numbers_and_answers_every_task(spec):
    X, Y = spec.wide_y()
    frame_y = pd.DataFrame(Y, columns=["a", "b"])
    model = spec.make().fit(spec.inputs(X), frame_y)
    predicted = model.predict(spec.inputs(X))
    assert predicted.shape == (N, 2) and list(predicted.columns) == ["a", "b"]
    assert np.isfinite(predicted.to_numpy(float)).all()
    assert np.isfinite(model.score(spec.inputs(X), frame_y))


def _wide_single_entry_column(spec):
    """Task 1 labelled on one row only: fitted, as a task of one row in the long form."""
    X, Y = spec.wide_y()
    Y[2:, 1] = np.nan
    assert (~np.isnan(Y[:, 1])).sum() == 1
    model = spec.make().fit(spec.inputs(X), Y)
    predicted = model.predict(spec.inputs(X))
    assert predicted.shape == (N, 2) and np.isfinite(predicted).all()


CASES = [
    # task ids: the same bad values by tasks= and in a task column
    *[
        Case(f"tasks_{key}", _ids_by_keyword(make_ids), all_of(TASKS_SOURCE, what))
        for key, (make_ids, what) in BAD_IDS.items()
    ],
    *[
        Case(f"task_column_{key}", _ids_in_column(make_ids), all_of(COLUMN_SOURCE, what), layouts=("rows",))
        for key, (make_ids, what) in BAD_IDS.items()
    ],
    Case("tasks_nan_at_predict", _ids_at_predict, all_of(TASKS_SOURCE, MISSING)),
    Case("tasks_standardised", _standardised_by_keyword, all_of(TASKS_SOURCE, "FeatureTransformer")),
    Case(
        "task_column_standardised",
        _standardised_in_column,
        all_of("task_column", "FeatureTransformer"),
        layouts=("rows",),
    ),
    Case("tasks_wrong_length", _tasks_wrong_length, all_of(TASKS_SOURCE, r"\b39\b")),
    Case("tasks_and_task_column", _both_given, all_of("task_column", TASKS_SOURCE)),
    Case("predict_without_tasks", _predict_without_tasks, r"tasks="),
    Case("score_without_tasks", _score_without_tasks, r"tasks="),
    Case("predict_unseen_task", _predict_unseen_task, all_of(r"[Tt]ask id", r"\b7\b")),
    Case("task_column_out_of_range", _task_column_out_of_range, r"task_column=7", layouts=("rows",)),
    Case("task_column_name_ndarray", _task_column_name_with_ndarray, r"task_column='task'", layouts=("rows",)),
    Case("task_column_not_in_frame", _task_column_not_in_frame, r"task_column='site'", layouts=("rows",)),
    Case("task_column_0_names_column_0", _int_column_names, layouts=("rows",)),
    Case("single_class_task", _single_class_task, all_of(r"[Tt]ask", r"single class|one class"), kinds=CLASSIFIERS),
    Case("single_row_task", _single_row_task, kinds=REGRESSORS),
    # y
    Case("y_none", _y_with(None), all_of(r"\by\b", MISSING)),
    Case("y_nan", _y_with(np.nan, float), all_of(r"\by\b", r"NaN|missing")),
    Case("y_pd_NA", _y_with(pd.NA), all_of(r"\by\b", MISSING)),
    Case(
        "y_nullable_Float64_NA",
        _y_as(lambda y, _: pd.array(_with(y, 5, None), dtype="Float64")),
        all_of(r"\by\b", MISSING),
        kinds=REGRESSORS,
    ),
    Case("y_mixed_int_str", _y_with("a"), all_of(r"\by\b", r"mix|different types"), kinds=CLASSIFIERS),
    Case("y_continuous", _y_continuous, r"Unknown label type|continuous", kinds=CLASSIFIERS),
    # a regressor's y: numbers, finite, not text or booleans (class labels: a classifier's)
    # (the fix of a bad target is not an imputer of X)
    Case("y_inf", _y_with(np.inf, float), all_of(r"\by\b", r"infinit"), kinds=REGRESSORS, forbid=IMPUTE),
    Case("y_minus_inf", _y_with(-np.inf, float), all_of(r"\by\b", r"infinit"), kinds=REGRESSORS, forbid=IMPUTE),
    Case(
        "y_number_and_text",
        _y_with("a"),
        all_of(r"\by\b", r"text|not numbers|non-numbers", "numeric"),
        kinds=REGRESSORS,
        forbid=r"one class|mix",
    ),
    Case(
        "y_numeric_text",  # '1.5' is text: numbers read from a file unparsed
        _y_as(lambda y, _: y.astype(str)),
        all_of(r"\by\b", r"text|not numbers|non-numbers", "classifier"),
        kinds=REGRESSORS,
    ),
    Case(
        "y_class_labels_text",
        _y_as(lambda y, _: np.where(y > 0, "yes", "no")),
        all_of(r"\by\b", r"text", "classifier"),
        kinds=REGRESSORS,
    ),
    Case(
        "y_booleans",
        _y_as(lambda y, _: y > 0),
        all_of(r"\by\b", r"boolean", "classifier"),
        kinds=REGRESSORS,
    ),
    Case(
        "y_booleans_in_series",
        _y_as(lambda y, _: pd.Series(y > 0, dtype="boolean")),
        all_of(r"\by\b", r"boolean", "classifier"),
        kinds=REGRESSORS,
    ),
    Case("y_object_numbers", _y_fits(lambda y: y.astype(object)), kinds=REGRESSORS),
    Case("y_int_targets", _y_fits(lambda y: y.astype(np.int64), whole=True), kinds=REGRESSORS),
    Case("y_series_Float64", _y_fits(lambda y: pd.Series(y, dtype="Float64")), kinds=REGRESSORS),
    Case("y_2d", _y_2d, r"\by\b"),
    Case("y_scalar", _y_as(lambda y, _: y[0]), all_of(r"\by\b|[Ii]nput", r"dimension|1d|1-D|scalar|single value")),
    Case("y_wrong_length", _y_wrong_length, r"\by\b|inconsistent numbers of samples"),
    # y in the wide form
    Case("wide_fits_and_answers_every_task", _wide_fits_and_answers_every_task, kinds=CLASSIFIERS),
    Case("wide_fits_numbers_and_answers_every_task", _wide_fits_numbers_and_answers_every_task, kinds=REGRESSORS),
    Case("wide_with_tasks", _wide(lambda Y: Y, tasks=np.zeros(N)), all_of(r"\btasks\b", "wide form")),
    Case("wide_with_task_column", _wide_with_task_column, all_of("task_column", "wide form"), layouts=("rows",)),
    Case(
        "wide_single_class_column",
        _wide(lambda Y: _with_column(Y, 1, 1.0)),
        all_of(r"Task 1", "single class"),
        kinds=CLASSIFIERS,
    ),
    Case("wide_single_entry_column", _wide_single_entry_column, kinds=REGRESSORS),
    Case("wide_column_without_labels", _wide(lambda Y: _with_column(Y, 1, np.nan)), all_of(r"Task 1", "no labels")),
    Case(
        "wide_duplicate_column_names",
        _wide(lambda Y: pd.DataFrame(Y, columns=["a", "a"])),
        all_of(r"\by\b", "duplicate column names"),
    ),
    Case(
        "wide_unnamed_column",
        _wide(lambda Y: pd.DataFrame(Y, columns=["a", None])),
        all_of(r"\by\b", r"column", r"name"),
    ),
    Case(
        "wide_column_named_nan",
        _wide(lambda Y: pd.DataFrame(Y, columns=["a", np.nan])),
        all_of(r"\by\b", r"column", r"name"),
    ),
    Case(
        "wide_column_mixing_types",
        _wide(lambda Y: _with_column(Y.astype(object), 0, _with(Y[:, 0], 2, "1"))),
        all_of(r"column 0", r"mix|different types"),
        kinds=CLASSIFIERS,
    ),
    Case(
        "wide_column_with_text",
        _wide(lambda Y: _with_column(Y.astype(object), 0, _with(Y[:, 0], 2, "1"))),
        all_of(r"column 0", r"text|not numbers|non-numbers", r"numeric|numbers"),
        kinds=REGRESSORS,
        forbid=r"one class|mix",  # a mix of types is a classifier's worry; a regressor's is text
    ),
    Case(
        "wide_frame_column_with_text",
        _wide(lambda Y: pd.DataFrame({"a": Y[:, 0], "b": _with(Y[:, 1], 2, "high")})),
        all_of(r"column 'b'", r"text|not numbers|non-numbers", r"numeric|numbers"),
        kinds=REGRESSORS,
        forbid=r"one class|mix",
    ),
    Case(
        "wide_text_y",
        _wide(lambda Y: np.where(np.isnan(Y), None, np.where(Y > 0, "yes", "no"))),
        all_of(r"column 0", r"text|not numbers|non-numbers"),
        kinds=REGRESSORS,
    ),
    Case(
        "wide_booleans",
        _wide(lambda Y: pd.DataFrame(Y > 0, columns=["a", "b"])),
        all_of(r"column 'a'", "boolean"),
        kinds=REGRESSORS,
    ),
    Case(
        "wide_inf",
        _wide(lambda Y: _with_column(Y, 1, _with(Y[:, 1], 2, np.inf, float))),
        all_of(r"column 1", "infinit", r"row 2\b"),
        kinds=REGRESSORS,
    ),
    Case("wide_y_wrong_length", _wide(lambda Y: Y[:-1]), all_of(r"\by\b", r"\b39\b")),
    Case(
        "wide_sample_weight_wrong_shape",
        _wide(lambda Y: Y, sample_weight=np.ones((N, 3))),
        all_of("sample_weight", r"\(40, 2\)"),
    ),
    Case(
        "wide_sample_weight_negative",
        _wide(lambda Y: Y, sample_weight=_with(np.ones(N), 3, -1.0, float)),
        "sample_weight",
    ),
    Case(
        "wide_sample_weight_nan",
        _wide(lambda Y: Y, sample_weight=_with(np.ones(N), 3, np.nan, float)),
        all_of(SAMPLE_WEIGHT, "NaN"),
    ),
    Case("wide_score_other_columns", _wide_score_other_columns, all_of(r"\by\b", r"columns", r"'c'")),
    Case("wide_unknown_task_at_predict", _wide_unknown_task_at_predict, all_of(r"[Tt]ask id", r"\b7\b")),
    # X
    Case("X_nan", _X_with(np.nan), all_of(r"\bX\b", "NaN")),
    Case("X_inf", _X_with(np.inf), all_of(r"\bX\b", r"infinity|\binf\b")),
    Case("X_string_in_feature", _X_with("a"), all_of(r"\bX\b|column|feature", r"'a'|string|text|numeric")),
    Case("X_1d", _X_1d, all_of(r"\bX\b", r"1D|1-D|one-dimensional|2D|2-D|3D|3-D")),
    Case("X_empty", _X_empty, r"0 sample|empty"),
    Case("X_one_dim_too_many", _X_one_dim_too_many, r"dim(ension)?s? [345]\b|[345]-?D|\b5 dimensions"),
    Case("X_fewer_features_at_predict", _X_fewer_features_at_predict, all_of(r"\bX\b", "features")),
    Case("predict_before_fit", _not_fitted, r"not fitted|fit\b"),
    # parameters
    *[
        Case(f"hidden_layer_sizes_{name}", _param(hidden_layer_sizes=(n,)), "hidden_layer_sizes", families=MLPS)
        for name, n in (("0", 0), ("negative", -1), ("float", 2.5))
    ],
    Case(
        "task_hidden_layer_sizes_0", _param(task_hidden_layer_sizes=(0,)), "task_hidden_layer_sizes", families=NETWORKS
    ),
    Case("hidden_size_0", _param(hidden_size=0), "hidden_size", families=("rnn",)),
    Case("learning_rate_init_0", _param(learning_rate_init=0), "learning_rate_init", families=NETWORKS),
    Case("alpha_negative", _param(alpha=-1.0), "alpha", families=(*NETWORKS, *RIDGES)),
    Case("C_negative", _param(C=-1.0), r"\bC\b", families=(*RELATIONSHIP, *SUPPORT_VECTOR_REGRESSORS)),
    Case("C_0", _param(C=0.0), r"\bC\b", families=(*RELATIONSHIP, *SUPPORT_VECTOR_REGRESSORS)),
    Case("epsilon_negative", _param(epsilon=-0.1), "epsilon", families=(*SUPPORT_VECTOR_REGRESSORS, *NETWORKS)),
    Case(
        "normalize_targets_text",
        _param(normalize_targets="yes"),
        "normalize_targets",
        families=NETWORKS,
        kinds=REGRESSORS,
    ),
    Case(
        "class_weight_negative",
        _param(class_weight={0: -1}),
        "class_weight",
        families=(*RELATIONSHIP, *NETWORKS),
        kinds=CLASSIFIERS,
    ),
    Case("class_weight_to_regressor", _param(class_weight="balanced"), "class_weight", kinds=REGRESSORS),
    Case("n_jobs_0", _param(n_jobs=0), "n_jobs", families=("svc", "independent")),
    Case("sample_weight_negative", _sample_weight(np.r_[-1.0, np.ones(N - 1)]), "sample_weight"),
    Case("sample_weight_wrong_length", _sample_weight(np.ones(N - 1)), "sample_weight"),
    # scikit-learn's own messages say "Sample weights" (its _check_sample_weight): as clear
    Case("sample_weight_2d", _sample_weight(np.ones((N, 2))), all_of(SAMPLE_WEIGHT, r"1D|1-D|one weight per row")),
    Case("sample_weight_nan", _sample_weight(_with(np.ones(N), 3, np.nan, float)), all_of(SAMPLE_WEIGHT, "NaN")),
    Case("sample_weight_inf", _sample_weight(_with(np.ones(N), 3, np.inf, float)), all_of(SAMPLE_WEIGHT, r"inf")),
    Case("sample_weight_all_zero", _sample_weight(np.zeros(N)), all_of(SAMPLE_WEIGHT, r"non-zero|positive")),
    Case(
        "sample_weight_overflows_float32",
        _sample_weight(np.full(N, 1e39)),
        "sample_weight",
        families=NETWORKS,
        forbid="learning_rate",
    ),
    Case(
        "regressor_wrapped",
        _param(estimator=LinearRegression()),
        "estimator.*classifier",
        families=BASELINES,
        kinds=CLASSIFIERS,
    ),
    Case(
        "classifier_wrapped",
        _param(estimator=LogisticRegression()),
        "estimator.*regressor",
        families=BASELINES,
        kinds=REGRESSORS,
    ),
    Case(
        "predict_proba_without_probability",
        _predict_proba_without_probability,
        r"probability=True",
        families=("svc",),
        attribute_ok=True,
    ),
    Case(  # as sklearn's LinearSVC: no predict_proba at all (hasattr is False)
        "predict_proba_linear_svc",
        _predict_proba_without_probability,
        r"predict_proba",
        families=("linear_svc",),
        attribute_ok=True,
    ),
    Case(  # as sklearn's regressors: no predict_proba at all
        "predict_proba_regressor",
        _predict_proba_without_probability,
        r"predict_proba",
        kinds=REGRESSORS,
        attribute_ok=True,
    ),
    # networks
    Case(
        "list_of_1d_sequences",
        _ragged_1d_sequences,
        all_of(r"2-?D", r"steps, n?_?features"),
        families=("rnn",),
        layouts=("seq",),
    ),
    Case("early_stopping_tiny_tasks", _early_stopping_tiny_tasks, families=NETWORKS),
    Case("diverging_learning_rate", _diverging, families=MLPS),
]
CELLS = [
    pytest.param(spec, case, id=f"{spec.name}-{case.name}")
    for case in CASES
    for spec in SPECS
    if case.applies(spec)
]


@pytest.mark.parametrize("spec, case", CELLS)
def test_estimator_bad_input(spec, case):
    if case.pattern is None:
        case.run(spec)  # checks a correct result, or a clear error, itself
        return
    with pytest.raises(Exception) as excinfo:
        case.run(spec)
    assert_clear_error(excinfo, case.pattern, attribute_ok=case.attribute_ok, forbid=case.forbid)


# ---------------------------------------------------------- FeatureTransformer


def _ft(task_column="task"):
    return FeatureTransformer(StandardScaler(), task_column=task_column)


def _ft_int_column_names():
    """task_column=0 on columns [1, 0, 2, ...]: the column NAMED 0 passes through, and the
    estimator after it finds it under the same task_column."""
    X, y, tasks = data()
    df = pd.DataFrame(X, columns=[1, 2, 3, 4])
    df.insert(1, 0, tasks + 10)
    out = _ft(0).fit_transform(df)
    assert out.shape == df.shape and list(out.columns).index(0) == 1
    np.testing.assert_array_equal(out[0].to_numpy(), tasks + 10)  # the ids, untouched
    np.testing.assert_allclose(out.drop(columns=0).to_numpy(float).mean(axis=0), 0, atol=1e-12)
    model = make_pipeline(_ft(0), MultiTaskKernelSVC(kernel="linear", task_column=0)).fit(df, y)
    assert list(model[-1].tasks_) == [10, 11]
    assert_sensible(model, df, y)


def _ft_nan_passes_through():
    """StandardScaler keeps NaN (sklearn accepts it), the ids are untouched."""
    X, _, tasks = data()
    X[5, 1] = np.nan
    out = _ft().fit_transform(frame(X, tasks))
    assert np.isnan(out["f1"].iloc[5]) and np.isfinite(out.drop(index=5).to_numpy(float)).all()
    np.testing.assert_array_equal(out["task"].to_numpy(), tasks)


def _ft_text_ids_pass_through():
    X, _, tasks = data()
    ids = np.where(tasks == 0, "north", "south").astype(object)
    out = _ft(-1).fit_transform(np.column_stack([X.astype(object), ids]))
    assert out.shape == (N, D + 1) and list(out[:, -1]) == list(ids)
    np.testing.assert_allclose(out[:, :-1].astype(float).mean(axis=0), 0, atol=1e-12)


def _ft_fit(X, task_column="task"):
    return lambda: _ft(task_column).fit(X)


def _ft_fewer_features_at_transform():
    X, _, tasks = data()
    _ft(-1).fit(np.column_stack([X, tasks])).transform(np.column_stack([X[:, :2], tasks]))


def _ft_not_fitted():
    X, _, tasks = data()
    _ft(-1).transform(np.column_stack([X, tasks]))


def _ft_X(value):
    X, _, tasks = data()
    X = X.astype(object if isinstance(value, str) else float)
    X[5, 1] = value
    return frame(X, tasks)


_X, _, _TASKS = data()
FT_CASES = [
    ("task_column_out_of_range", _ft_fit(np.column_stack([_X, _TASKS]), 7), r"task_column=7"),
    ("task_column_name_with_ndarray", _ft_fit(np.column_stack([_X, _TASKS])), r"task_column='task'"),
    ("task_column_not_in_frame", _ft_fit(frame(_X, _TASKS), "site"), r"task_column='site'"),
    ("task_column_0_names_column_0", _ft_int_column_names, None),
    ("X_nan_passes_through", _ft_nan_passes_through, None),
    ("text_ids_pass_through", _ft_text_ids_pass_through, None),
    ("X_inf", _ft_fit(_ft_X(np.inf)), all_of(r"\bX\b", "infinity")),
    ("X_string_in_feature", _ft_fit(_ft_X("a")), all_of(r"\bX\b|column|feature", r"'a'|string|text|numeric")),
    ("X_1d", _ft_fit(_X[:, 0], 0), all_of(r"\bX\b", r"1D|1-D|one-dimensional|2D|2-D")),
    ("X_empty", _ft_fit(np.column_stack([_X, _TASKS])[:0], -1), r"0 sample|empty"),
    ("X_3d", _ft_fit(_X.reshape(N, 2, 2), 0), r"dim(ension)? 3\b|3-?D"),
    ("X_fewer_features_at_transform", _ft_fewer_features_at_transform, all_of(r"\bX\b", "features")),
    ("transform_before_fit", _ft_not_fitted, r"not fitted"),
]


@pytest.mark.parametrize("run, pattern", [pytest.param(run, p, id=name) for name, run, p in FT_CASES])
def test_feature_transformer_bad_input(run, pattern):
    if pattern is None:
        run()
        return
    with pytest.raises(Exception) as excinfo:
        run()
    assert_clear_error(excinfo, pattern)


# ------------------------------------------------------------------------- CLI


def _csv(tmp_path, header="site,label,f0,f1", labels=(0, 1), label_text=None):
    """Two tasks of 12 rows; ``label_text(i)`` overrides the label of row i."""
    rng = np.random.RandomState(0)
    lines = [header]
    for task in ("a", "b"):
        for i in range(12):
            label = labels[i % len(labels)] if label_text is None else label_text(i)
            cells = [task, str(label)] + [f"{rng.randn():.3f}" for _ in range(header.count(",") - 1)]
            lines.append(",".join(cells))
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _csv_with_text_feature(tmp_path):
    path = _csv(tmp_path)
    lines = path.read_text().splitlines()
    cells = lines[3].split(",")
    cells[3] = "n/a"
    lines[3] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    return path


def _continuous_csv(tmp_path, **kwargs):
    """:func:`_csv` with a continuous numeric target (what --kind auto reads as a regression)."""
    return _csv(tmp_path, label_text=lambda i: f"{0.37 * i - 1.1:.3f}", **kwargs)


def _continuous_csv_with(row, cell):
    """A continuous target with ``cell`` as the label of data row ``row`` (file line row + 2)."""

    def make(tmp_path):
        return _csv(tmp_path, label_text=lambda i: cell if i == row else f"{0.37 * i - 1.1:.3f}")

    return make


def _csv_with_single_row_task(tmp_path):
    """A continuous target; task 'c' has a single row (the last line)."""
    path = _continuous_csv(tmp_path)
    path.write_text(path.read_text() + "c,0.250,0.100,-0.200\n")
    return path


FAST = ["--cv", "2", "--quiet", "--kernel", "linear", "--task-similarity", "0.5"]
FAST_REGRESSION = ["--cv", "2", "--quiet", "--task-similarity", "0.5"]  # ridge: no kernel
REGRESSION = ["--kind", "regression"]
CLI_CASES = [
    ("missing_file", lambda p: p / "nope.csv", [], r"no such file.*nope\.csv"),
    ("missing_target_column", _csv, ["--target", "outcome"], r"--target 'outcome'"),
    ("missing_task_column", _csv, ["--task-column", "school"], r"--task-column 'school'"),
    ("duplicate_header_names", lambda p: _csv(p, header="site,label,f0,f0"), [], r"duplicate column names: 'f0'"),
    (
        "continuous_target",
        lambda p: _csv(p, label_text=lambda i: f"{0.37 * i - 1.1:.3f}"),
        [],
        all_of(r"'label'", r"regression|continuous|class labels"),
    ),
    ("text_in_feature_column", _csv_with_text_feature, [], r"feature column 'f1'"),
    ("n_jobs_0", _csv, ["--n-jobs", "0"], r"--n-jobs"),
    ("negative_C", _csv, ["-C", "-1"], r"-C\b"),
    (
        "roc_auc_with_3_classes",
        lambda p: _csv(p, labels=("low", "mid", "high")),
        ["--scoring", "roc_auc"],
        all_of(r"--scoring roc_auc", "two classes"),
    ),
]
#: skmtl compare on a numeric target (--kind regression, or continuous numbers under --kind auto).
REGRESSION_CLI_CASES = [
    (
        "regression_class_weight",
        _continuous_csv,
        [*REGRESSION, "--class-weight", "balanced"],
        all_of(r"--class-weight", "classification"),
    ),
    (
        "continuous_target_class_weight",  # --kind auto: says why, and how to read the target as labels
        _continuous_csv,
        ["--class-weight", "balanced"],
        all_of(r"--class-weight", "continuous", "--kind classification"),
    ),
    ("regression_probability", _continuous_csv, [*REGRESSION, "--probability"], r"--probability"),
    ("regression_pos_label", _continuous_csv, [*REGRESSION, "--pos-label", "1"], r"--pos-label"),
    (
        "regression_classifier_model",
        _continuous_csv,
        [*REGRESSION, "--model", "svc"],
        all_of(r"--model svc", "classifier", "--model ridge"),
    ),
    (
        "regression_classifier_scoring",
        _continuous_csv,
        [*REGRESSION, "--scoring", "roc_auc"],
        all_of(r"--scoring roc_auc", r"\br2\b"),
    ),
    ("regression_kernel_to_ridge", _continuous_csv, [*REGRESSION, "--kernel", "rbf"], all_of(r"--kernel", "ridge")),
    (
        "regression_negative_epsilon",
        _continuous_csv,
        [*REGRESSION, "--model", "svr", "--epsilon", "-1"],
        r"--epsilon",
    ),
    ("regression_negative_alpha", _continuous_csv, [*REGRESSION, "--alpha", "-1"], r"--alpha"),
    ("regression_negative_C", _continuous_csv, [*REGRESSION, "--model", "svr", "-C", "-1"], r"-C\b|--C\b"),
    (
        "regression_text_target",  # class labels given to the regressors
        lambda p: _csv(p, labels=("low", "mid", "high")),
        REGRESSION,
        all_of(r"'label'", r"'low'", r"line 2\b", "--kind classification"),
    ),
    (
        "regression_number_then_text",
        _continuous_csv_with(5, "n/a"),
        REGRESSION,
        all_of(r"'label'", r"'n/a'", r"line 7\b"),
    ),
    ("regression_inf_target", _continuous_csv_with(3, "inf"), REGRESSION, all_of(r"'label'", r"'inf'", r"line 5\b")),
    ("regression_empty_target", _continuous_csv_with(3, ""), REGRESSION, all_of(r"'label'", r"line 5\b")),
    (
        "regression_constant_target",
        lambda p: _csv(p, label_text=lambda i: "2.5"),
        REGRESSION,
        all_of(r"'label'", r"single value"),
    ),
]


@pytest.fixture
def no_cross_validation(monkeypatch):
    """The errors must come before the cross-validation; if it starts, it fails at once."""

    def started(*args, **kwargs):
        raise RuntimeError("the cross-validation started")

    monkeypatch.setattr(skmtl.model_selection, "compare_with_single_task", started)


@pytest.mark.parametrize(
    "make_csv, fast, options, pattern",
    [pytest.param(make, FAST, options, pattern, id=name) for name, make, options, pattern in CLI_CASES]
    + [
        pytest.param(make, FAST_REGRESSION, options, pattern, id=name)
        for name, make, options, pattern in REGRESSION_CLI_CASES
    ],
)
def test_cli_bad_input(tmp_path, capsys, no_cross_validation, make_csv, fast, options, pattern):
    _assert_cli_error(capsys, [str(make_csv(tmp_path)), *fast, *options], pattern)


def test_cli_regression_task_of_one_row(tmp_path, capsys):
    """A task of one row (a Ridge fits it) cannot be in every test fold: the folds say so, before any fit."""
    _assert_cli_error(
        capsys,
        [str(_csv_with_single_row_task(tmp_path)), *FAST_REGRESSION, *REGRESSION],
        all_of(r"'c'", r"rows? \(1\)|\b1 row|single row", "folds"),
    )


def _assert_cli_error(capsys, args, pattern):
    """``skmtl compare ARGS`` (a CSV of tasks in 'site', the target 'label') fails in one line matching ``pattern``."""
    argv = ["compare", *args[:1], "--task-column", "site", "--target", "label", *args[1:]]
    try:
        status = main(argv)
    except SystemExit as stop:  # argparse: a bad option
        status = stop.code
    _, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert status not in (0, None), f"exit status {status}; stderr: {err!r}"
    assert len(lines) == 1, f"stderr is not one line: {err!r}"
    assert re.match(r"skmtl( compare)?: error: ", lines[0]), lines[0]
    assert "Traceback" not in err and "the cross-validation started" not in err, lines[0]
    assert re.search(pattern, lines[0]), f"{lines[0]!r} does not match {pattern!r}"
