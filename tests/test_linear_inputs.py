"""Bad input to MultiTaskLinearSVC and MultiTaskLogisticRegression: the cases that are theirs.

The inputs every estimator shares (task ids, y, X, the wide form, sample_weight)
run against both models in test_bad_inputs.py. Here: the parameters the linear
models add, the task similarity they are given, non-finite features dense and
sparse, what a model fitted on two tasks refuses at predict time, and the
memory refusal. Each refusal must be a clear error, as in test_bad_inputs.py:
a ValueError, TypeError or MemoryError (scikit-learn's InvalidParameterError
is a ValueError) whose message is one line and matches every pattern given:
the parameter, and what to do about it. Every model is fitted on 40 rows.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from skmtl import MultiTaskLinearSVC, MultiTaskLogisticRegression

N = 40

#: The three solvers: TRON (squared hinge, logistic) and dual coordinate descent (hinge).
MODELS = {
    "svc": lambda **params: MultiTaskLinearSVC(**params),
    "svc_hinge": lambda **params: MultiTaskLinearSVC(**{"loss": "hinge", "random_state": 0, **params}),
    "logistic": lambda **params: MultiTaskLogisticRegression(**params),
}
each_model = pytest.mark.parametrize("make", list(MODELS.values()), ids=list(MODELS))
# Input checked before the solver runs: once per class is enough.
each_class = pytest.mark.parametrize("make", [MODELS["svc"], MODELS["logistic"]], ids=["svc", "logistic"])
SVC_MODELS = pytest.mark.parametrize("make", [MODELS["svc"], MODELS["svc_hinge"]], ids=["svc", "svc_hinge"])


def data():
    """(X, y, tasks): two tasks, both with both classes; X[:, 0] carries the label."""
    rng = np.random.RandomState(0)
    rows = np.arange(N)
    y = (rows // 2) % 2
    X = rng.randn(N, 4)
    X[:, 0] += 2 * y
    return X, y, rows % 2


def fitted(make):
    X, y, tasks = data()
    return make().fit(X, y, tasks=tasks)


def refused(call, *patterns, types=(ValueError, TypeError)):
    """``call()`` raises one of ``types`` with a one-line message matching every pattern."""
    with pytest.raises(Exception) as excinfo:
        call()
    exc = excinfo.value
    shown = f"{type(exc).__name__}: {str(exc)!r}"
    assert isinstance(exc, types), f"not a clear error: {shown}"
    assert "\n" not in str(exc), f"multi-line message: {shown}"
    for pattern in patterns:
        assert re.search(pattern, str(exc)), f"message does not match {pattern!r}: {shown}"
    return str(exc)


# ------------------------------------------------------------------- parameters

#: (parameters, patterns): the message names the parameter and the values it takes.
BAD_PARAMETERS = {
    "bias_none_as_text": ({"bias": "none"}, [r"'bias'", r"'per_task'", r"'shared'", r"None"]),
    "bias_true": ({"bias": True}, [r"'bias'", r"'per_task'"]),
    "C_0": ({"C": 0}, [r"'C'", r"range \(0"]),
    "C_negative": ({"C": -1.0}, [r"'C'", r"range \(0"]),
    "C_inf": ({"C": np.inf}, [r"'C'", r"range \(0"]),
    "tol_0": ({"tol": 0}, [r"'tol'", r"range \(0"]),
    "tol_negative": ({"tol": -1e-4}, [r"'tol'", r"range \(0"]),
    "max_iter_0": ({"max_iter": 0}, [r"'max_iter'", r"\[1, inf\)"]),
    "max_iter_float": ({"max_iter": 2.5}, [r"'max_iter'", r"\bint\b"]),
    "task_similarity_above_1": ({"task_similarity": 1.5}, [r"'task_similarity'", r"\[0\.0, 1\.0\]", "'learn'"]),
    "task_similarity_below_0": ({"task_similarity": -0.1}, [r"'task_similarity'", r"\[0\.0, 1\.0\]"]),
    "task_similarity_nan": ({"task_similarity": np.nan}, [r"'task_similarity'", r"\[0\.0, 1\.0\]"]),
    "task_similarity_typo": ({"task_similarity": "lear"}, [r"'task_similarity'", r"'learn'"]),
    "similarity_ridge_above_1": ({"similarity_ridge": 2.0}, [r"'similarity_ridge'", r"\[0\.0, 1\.0\]"]),
    "similarity_max_iter_0": ({"similarity_max_iter": 0}, [r"'similarity_max_iter'", r"\[1, inf\)"]),
    "class_weight_typo": ({"class_weight": "balance"}, [r"'class_weight'", r"'balanced_per_task'"]),
}


@each_class
@pytest.mark.parametrize("params, patterns", list(BAD_PARAMETERS.values()), ids=list(BAD_PARAMETERS))
def test_bad_parameter_is_refused_at_fit_naming_it(make, params, patterns):
    model = make(**params)  # the constructor stores it untouched, as scikit-learn's do
    assert all(model.get_params()[key] is value for key, value in params.items())
    X, y, tasks = data()
    refused(lambda: model.fit(X, y, tasks=tasks), *patterns)


@SVC_MODELS
@pytest.mark.parametrize("loss", ["log", "logistic", "l2", None])
def test_unknown_loss_is_refused_naming_the_losses(make, loss):
    X, y, tasks = data()
    refused(lambda: make(loss=loss).fit(X, y, tasks=tasks), r"'loss'", r"'hinge'", r"'squared_hinge'")


def test_logistic_regression_has_no_loss_parameter():
    assert "loss" not in MultiTaskLogisticRegression().get_params()
    with pytest.raises(TypeError, match="loss"):
        MultiTaskLogisticRegression(loss="hinge")


# --------------------------------------------------------------- task similarity

OMEGA_OK = np.array([[1.0, 0.5], [0.5, 1.0]])
#: A task_similarity given as data, and what the message must say.
BAD_SIMILARITIES = {
    "3x3_for_2_tasks": (np.eye(3), [r"task_similarity", r"shape \(3, 3\)", r"\(2, 2\) matrix"]),
    "1d": (np.ones(2), [r"task_similarity", r"shape \(2,\)", r"\(2, 2\) matrix"]),
    "3d": (np.ones((2, 2, 2)), [r"task_similarity", r"\(2, 2\) matrix"]),
    "not_psd": (np.array([[1.0, 2.0], [2.0, 1.0]]), [r"task_similarity", r"positive semi-definite", r"-1\b"]),
    "not_symmetric": (np.array([[1.0, 0.2], [0.5, 1.0]]), [r"task_similarity", r"symmetric"]),
    "nan_entry": (np.array([[1.0, np.nan], [np.nan, 1.0]]), [r"task_similarity", r"NaN"]),
    "inf_entry": (np.array([[np.inf, 0.0], [0.0, 1.0]]), [r"task_similarity", r"infinite"]),
    "zero_diagonal": (np.array([[0.0, 0.0], [0.0, 1.0]]), [r"task_similarity", r"positive diagonal"]),
    "dict_missing_a_pair": ({0: {0: 1.0, 1: 0.5}, 1: {1: 1.0}}, [r"task_similarity", r"\(1, 0\)", r"every pair"]),
    "flat_dict": ({0: 1.0, 1: 1.0}, [r"task_similarity", r"\(0, 0\)", r"every pair"]),
    "frame_of_other_ids": (
        pd.DataFrame(np.eye(2), index=["a", "b"], columns=["a", "b"]),
        [r"task_similarity", r"\(0, 0\)", r"every pair"],
    ),
}


@each_class
@pytest.mark.parametrize("omega, patterns", list(BAD_SIMILARITIES.values()), ids=list(BAD_SIMILARITIES))
def test_bad_task_similarity_matrix_is_refused(make, omega, patterns):
    X, y, tasks = data()
    refused(lambda: make(task_similarity=omega).fit(X, y, tasks=tasks), *patterns)


@each_class
def test_a_matrix_for_two_tasks_is_refused_for_one(make):
    X, y, _ = data()
    refused(lambda: make(task_similarity=OMEGA_OK).fit(X, y), r"task_similarity", r"1 task", r"\(1, 1\)")


@each_class
@pytest.mark.parametrize(
    "omega",
    [
        pytest.param([[1.0, 0.5], [0.5]], id="ragged_list"),
        pytest.param([["a", "b"], ["b", "a"]], id="text"),
        pytest.param({0: {0: 1.0, 1: "x"}, 1: {0: "x", 1: 1.0}}, id="dict_with_text"),
    ],
)
def test_task_similarity_that_is_not_a_matrix_of_numbers_is_refused_naming_it(make, omega):
    X, y, tasks = data()
    message = refused(lambda: make(task_similarity=omega).fit(X, y, tasks=tasks), r"task_similarity")
    assert not re.search(r"inhomogeneous|could not convert", message)


@each_model
def test_a_given_similarity_is_taken_as_a_list_or_keyed_by_task_id(make):
    X, y, tasks = data()
    ids = np.where(tasks == 0, "north", "south")
    as_list = make(task_similarity=OMEGA_OK.tolist()).fit(X, y, tasks=ids)
    as_dict = make(task_similarity={"north": {"north": 1, "south": 0.5}, "south": {"north": 0.5, "south": 1}})
    np.testing.assert_array_equal(as_list.task_similarity_, OMEGA_OK)
    np.testing.assert_array_equal(as_dict.fit(X, y, tasks=ids).task_similarity_, OMEGA_OK)


# ---------------------------------------------------------------------------- X

FORMATS = {"dense": np.asarray, "csr": sp.csr_matrix, "csc": sp.csc_matrix}


@each_class
@pytest.mark.parametrize("value, what", [(np.nan, r"NaN"), (-np.inf, r"infinity")])
@pytest.mark.parametrize("form", list(FORMATS))
@pytest.mark.parametrize("at", ["fit", "predict"])
def test_non_finite_X_is_refused(make, value, what, form, at):
    X, y, tasks = data()
    bad = X.copy()
    bad[5, 1] = value  # stored in the sparse forms too: a non-zero
    bad = FORMATS[form](bad)
    model = make() if at == "fit" else fitted(make)
    call = (lambda: model.fit(bad, y, tasks=tasks)) if at == "fit" else (lambda: model.predict(bad, tasks=tasks))
    refused(call, r"\bX\b", what, r"impute or drop")


@pytest.mark.parametrize("make", list(MODELS.values()), ids=list(MODELS))
def test_X_too_large_for_float64_is_refused_or_warned_not_fitted_as_zero(make):
    X, y, tasks = data()
    _fit_or_say_why(lambda: make().fit(X * 1e160, y, tasks=tasks), r"\bX\b|feature", r"scal")


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(MODELS["svc"], id="svc"),
        pytest.param(MODELS["svc_hinge"], id="svc_hinge"),
        pytest.param(MODELS["logistic"], id="logistic"),
    ],
)
@pytest.mark.parametrize(
    "params, sample_weight", [({"C": 1e300}, None), ({}, np.full(N, 1e200))], ids=["C", "sample_weight"]
)
def test_huge_C_is_refused_or_warned_not_fitted_as_zero(make, params, sample_weight):
    X, y, tasks = data()
    _fit_or_say_why(lambda: make(**params).fit(X, y, tasks=tasks, sample_weight=sample_weight), r"\bC\b|sample_weight")


def _fit_or_say_why(fit, *patterns):
    """A clear error matching ``patterns``; or a finite model that has non-zero weights or
    says, with a ConvergenceWarning, that it did not converge. Not an all-zero model
    (chance accuracy) fitted with NumPy's overflow warnings only, or NaN in the model."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # NumPy's RuntimeWarnings recorded, not raised
        try:
            model = fit()
        except (ValueError, TypeError) as exc:
            assert "\n" not in str(exc) and all(re.search(p, str(exc)) for p in patterns), str(exc)
            return
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_).all(), (model.coef_, model.intercept_)
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    assert warned or np.any(model.coef_ != 0), "an all-zero model, fitted without a ConvergenceWarning"


@each_class
@pytest.mark.parametrize("form", list(FORMATS))
def test_empty_X_is_refused(make, form):
    X, y, tasks = data()
    refused(lambda: make().fit(FORMATS[form](X[:0]), y[:0], tasks=tasks[:0]), r"0 sample", r"minimum of 1")
    refused(lambda: make().fit(FORMATS[form](X[:, :0]), y, tasks=tasks), r"0 feature", r"minimum of 1")


@each_class
@pytest.mark.parametrize("n_features", [2, 8])
@pytest.mark.parametrize("form", list(FORMATS))
def test_predict_with_another_number_of_features_is_refused(make, n_features, form):
    model = fitted(make)
    X, _, tasks = data()
    other = FORMATS[form](np.resize(X, (N, n_features)))
    for method in ("predict", "decision_function"):
        refused(lambda: getattr(model, method)(other, tasks=tasks), rf"X has {n_features} features", r"expecting 4")


# ---------------------------------------------------------------------- tasks, y


@each_class
def test_predict_with_an_unseen_task_is_refused_naming_it(make):
    model = fitted(make)
    X, _, tasks = data()
    unseen = np.where(tasks == 1, "east", "0").astype(object)
    methods = ["predict", "decision_function"] + (["predict_proba"] if hasattr(model, "predict_proba") else [])
    for method in methods:
        seven = np.where(tasks == 1, 7, tasks)
        refused(lambda: getattr(model, method)(X, tasks=seven), r"[Tt]ask id", r"\b7\b", "0, 1")
        refused(lambda: getattr(model, method)(X, tasks=unseen), r"[Tt]ask id", r"'east'")


@SVC_MODELS
def test_linear_svc_has_no_predict_proba_as_linear_svc(make):
    """As sklearn's LinearSVC: no predict_proba at all, so ``hasattr`` is False (and
    CalibratedClassifierCV, scorers and stacking use decision_function)."""
    for model in (make(), fitted(make)):
        assert not hasattr(model, "predict_proba")
        assert not hasattr(model, "predict_log_proba")
    with pytest.raises(AttributeError, match="predict_proba"):
        model.predict_proba(data()[0], tasks=data()[2])


def test_logistic_regression_has_predict_proba():
    model = fitted(MODELS["logistic"])
    X, _, tasks = data()
    np.testing.assert_allclose(model.predict_proba(X, tasks=tasks).sum(axis=1), 1.0)


@each_class
def test_a_task_with_a_single_class_is_refused_naming_it(make):
    X, y, tasks = data()
    ids = np.where(tasks == 0, "north", "south")
    refused(
        lambda: make().fit(X, np.where(ids == "south", 1, y), tasks=ids),
        r"Task\(s\) 'south'", r"single class", r"Drop those rows|merge",
    )


@each_class
def test_zero_weight_on_a_class_of_a_task_leaves_it_a_single_class(make):
    X, y, tasks = data()
    weight = np.where((tasks == 1) & (y == 1), 0.0, 1.0)
    refused(
        lambda: make().fit(X, y, tasks=tasks, sample_weight=weight), r"Task\(s\) 1", r"single class", r"positive weight"
    )


@each_class
@pytest.mark.parametrize("with_tasks", [False, True], ids=["one_task", "two_tasks"])
def test_y_with_one_class_is_refused(make, with_tasks):
    X, _, tasks = data()
    y = np.full(N, "yes")
    if with_tasks:
        refused(lambda: make().fit(X, y, tasks=tasks), r"Task\(s\) 0, 1", r"single class")
    else:
        refused(lambda: make().fit(X, y), r"one class", r"at least two classes")


@each_class
@pytest.mark.parametrize("missing", [np.nan, None], ids=["NaN", "None"])
def test_wide_y_with_a_column_of_only_missing_labels_is_refused(make, missing):
    X, y, _ = data()
    Y = pd.DataFrame({"a": y, "b": (X[:, 1] > 0).astype(int)}).astype(object)
    Y["b"] = missing
    refused(lambda: make().fit(X, Y), r"Task 'b'", r"no labels", r"Drop the column|label some")


@each_class
def test_per_task_class_weight_needs_a_wide_y_and_one_entry_per_task(make):
    X, y, tasks = data()
    Y = pd.DataFrame({"a": y, "b": (X[:, 1] > 0).astype(int)})
    refused(lambda: make(class_weight=[{0: 1, 1: 2}, None]).fit(X, y, tasks=tasks), r"class_weight", r"wide form")
    refused(lambda: make(class_weight=[{0: 1, 1: 2}] * 3).fit(X, Y), r"class_weight", r"3 entries", r"2 tasks")
    refused(lambda: make(class_weight={"a": {0: 2}, "zz": {0: 1}}).fit(X, Y), r"class_weight", r"'zz'", r"'a', 'b'")


# ---------------------------------------------------------------- sample_weight


@each_class
@pytest.mark.parametrize(
    "weights, pattern",
    [
        pytest.param(np.r_[-1.0, np.ones(N - 1)], r"Negative", id="negative"),
        pytest.param(np.r_[np.nan, np.ones(N - 1)], r"NaN", id="nan"),
        pytest.param(np.r_[np.inf, np.ones(N - 1)], r"infinity", id="inf"),
        pytest.param(np.zeros(N), r"non-zero", id="all_zero"),
        pytest.param(np.ones((N, 2)), r"1D", id="2d_with_long_y"),
    ],
)
def test_bad_sample_weight_is_refused(make, weights, pattern):
    X, y, tasks = data()
    refused(lambda: make().fit(X, y, tasks=tasks, sample_weight=weights), r"[Ss]ample.?weight", pattern)


@each_class
def test_negative_sample_weight_per_label_of_a_wide_y_is_refused(make):
    X, y, _ = data()
    Y = np.column_stack([y, X[:, 1] > 0]).astype(float)
    weights = np.ones((N, 2))
    weights[3, 1] = -1
    refused(lambda: make().fit(X, Y, sample_weight=weights), r"sample_weight", r"Negative")


# ----------------------------------------------------------------------- memory


@pytest.fixture
def memory_limit(monkeypatch):
    """A 100 KB limit on what a fit may allocate (see test_linear.py)."""
    from skmtl import _memory

    monkeypatch.setattr(_memory, "tightest_memory_limit", lambda: _memory.MemoryLimit(100_000, "test"))


def _mostly_zero(n=300, d=200):
    """300 x 200 with 1% non-zeros: 480 KB dense, about 8 KB as CSR; two tasks, both classes."""
    rng = np.random.RandomState(0)
    first = rng.randn(n, 1)
    X = sp.hstack([first, sp.random(n, d - 1, density=0.01, random_state=rng)], format="csr")
    return X, (first[:, 0] > 0).astype(int), np.arange(n) % 2


def _refused_for_memory(Model, X, tasks, y):
    return refused(
        lambda: Model().fit(X, y, tasks=tasks),
        rf"The {Model.__name__} fit",
        r"would need \d+(\.\d)? KiB",
        r"only 97\.7 KiB of memory is available \(test\)",
        r"sparse X",
        types=(MemoryError,),
    )


@pytest.mark.parametrize("Model", [MultiTaskLinearSVC, MultiTaskLogisticRegression])
def test_memory_refusal_says_what_to_do_and_a_sparse_X_fits(memory_limit, Model):
    X, y, tasks = _mostly_zero()
    _refused_for_memory(Model, X.toarray(), tasks, y)
    # The same data as a sparse X, CSR or CSC, fit under the limit that refused them dense.
    assert Model().fit(X, y, tasks=tasks).coef_.shape == (1, 2, 200)
    assert Model().fit(X.tocsc(), y, tasks=tasks).coef_.shape == (1, 2, 200)


def test_memory_refusal_advice_to_fit_a_dask_array_works(memory_limit):
    X, y, tasks = _mostly_zero()
    message = _refused_for_memory(MultiTaskLogisticRegression, X.toarray(), tasks, y)
    assert "dask arrays" in message  # the advice this test follows
    da = pytest.importorskip("dask.array", reason="dask input needs dask: pip install 'skmtl[dask]'")
    dense = da.from_array(X.toarray(), chunks=(150, 200))  # read chunk by chunk: not refused
    import dask

    with dask.config.set(scheduler="threads"):  # whatever scheduler an earlier test left set
        assert MultiTaskLogisticRegression().fit(dense, y, tasks=tasks).coef_.shape == (1, 2, 200)
