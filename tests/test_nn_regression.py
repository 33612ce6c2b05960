"""The neural regressors: MLPRegressor with one task, the task data model and the task options with many."""

import importlib.util
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmtl.nn import _autograd as ag
from skmtl import SharedCNNRegressor, SharedMLPRegressor, SharedRNNRegressor

needs_torch = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None, reason="torch is not installed: pip install 'skmtl[torch]'"
)


def _quiet(estimator, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(*args, **kwargs)


@pytest.fixture(scope="module")
def diabetes():
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    return X[:300] * 5, (y[:300] - 150) / 80  # features and targets of order 1


def three_tasks(n=240, seed=0):
    """Three related tasks on shared inputs, on different scales, one much noisier (long form)."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 4)
    tasks = rng.randint(0, 3, n)
    signal = np.sin(X[:, 0]) + np.where(tasks == 2, -1, 1) * X[:, 1]
    y = np.array([1.0, 3.0, 1.0])[tasks] * signal + np.array([0.05, 0.05, 1.0])[tasks] * rng.randn(n)
    return X, y, tasks


# ------------------------------------------------------------ MLPRegressor


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_one_task_with_sgd_in_float64_is_mlpregressor(diabetes, early_stopping, weighted):
    # Same initial weights, shuffles and validation split, same loss (0.5 * weighted
    # mean squared error + 0.5 * alpha * ||W||^2 / summed weight), same update rule.
    X, y = diabetes
    weight = np.random.RandomState(1).randint(0, 4, len(y)).astype(float) if weighted else None
    params = dict(hidden_layer_sizes=(20, 10), solver="sgd", learning_rate_init=0.05, max_iter=8,
                  random_state=3, early_stopping=early_stopping, n_iter_no_change=2)
    theirs = _quiet(MLPRegressor(**params), X, y, sample_weight=weight)
    ours = _quiet(SharedMLPRegressor(**params, dtype="float64"), X, y, sample_weight=weight)
    assert ours.n_iter_ == theirs.n_iter_ and ours.t_ == theirs.t_
    assert ours.n_outputs_ == theirs.n_outputs_ == 1
    assert ours.out_activation_ == theirs.out_activation_ == "identity"
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-12)
    if early_stopping:  # R² on the same held-out rows, the same best epoch
        np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_, rtol=1e-10)
        assert ours.best_validation_score_ == pytest.approx(theirs.best_validation_score_, rel=1e-10)
    else:
        assert ours.best_loss_ == pytest.approx(theirs.best_loss_, rel=1e-12)
    for mine, reference in zip(ours.coefs_ + ours.task_coefs_[0], theirs.coefs_):
        np.testing.assert_allclose(mine, reference, rtol=1e-10, atol=1e-12)
    for mine, reference in zip(ours.intercepts_ + ours.task_intercepts_[0], theirs.intercepts_):
        np.testing.assert_allclose(mine, reference, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-10, atol=1e-12)
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y), rel=1e-10)


def test_normalize_targets_with_one_task_is_mlpregressor_on_standardised_targets(diabetes):
    X, y = diabetes
    y = 1000 * y + 50
    params = dict(hidden_layer_sizes=(10,), solver="sgd", learning_rate_init=0.05, max_iter=5, random_state=0)
    ours = _quiet(SharedMLPRegressor(**params, normalize_targets=True, dtype="float64"), X, y)
    counterpart = ours._single_task_counterpart()
    assert isinstance(counterpart, TransformedTargetRegressor)
    theirs = _quiet(TransformedTargetRegressor(MLPRegressor(**params), transformer=StandardScaler()), X, y)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-9)
    assert ours.target_mean_[0] == pytest.approx(y.mean()) and ours.target_scale_[0] == pytest.approx(y.std())
    assert np.abs(ours.predict(X).mean() - y.mean()) < 0.1 * y.std()  # in y's units


# ---------------------------------------------------------- the fused loss


@pytest.mark.parametrize("shape", [(6,), (6, 1)])
def test_the_squared_error_node_matches_central_differences(shape):
    rng = np.random.RandomState(0)
    values, target, weight = rng.randn(*shape), rng.randn(6), rng.rand(6) * 2

    def loss(v):
        return ag.squared_error(ag.Tensor(v), target, weight).data

    outputs = ag.Tensor(values.copy(), requires_grad=True)
    result = ag.squared_error(outputs, target, weight)
    assert float(result.data) == pytest.approx(0.5 * np.sum(weight * (values.reshape(-1) - target) ** 2))
    result.backward(np.asarray(3.0))  # a seed other than 1, as a task's coefficient
    numeric = np.zeros_like(values)
    for k in np.ndindex(values.shape):
        step = np.zeros_like(values)
        step[k] = 1e-6
        numeric[k] = 3.0 * (loss(values + step) - loss(values - step)) / 2e-6
    assert outputs.grad.shape == values.shape
    np.testing.assert_allclose(outputs.grad, numeric, rtol=1e-7, atol=1e-9)
    # through a layer, unweighted, and float32 stays float32
    x, w, b = (ag.Tensor(rng.randn(*shape).astype(np.float32), requires_grad=True) for shape in [(6, 3), (3, 1), (1,)])
    ag.squared_error(ag.linear(x, w, b), target.astype(np.float32)).backward()
    residual = x.data @ w.data + b.data - target.astype(np.float32)[:, None]
    np.testing.assert_allclose(w.grad, x.data.T @ residual, rtol=1e-5)
    assert w.grad.dtype == np.float32


# ------------------------------------------------------------ the backends

BACKEND_SETTINGS = {
    "plain": {},
    "uncertainty": dict(loss_weighting="uncertainty"),
    "pcgrad and towers": dict(gradient_method="pcgrad", task_hidden_layer_sizes=(4,), normalize_targets=True),
}


@needs_torch
@pytest.mark.parametrize("name", sorted(BACKEND_SETTINGS))
def test_numpy_and_torch_backends_take_the_same_steps(name):
    X, y, tasks = three_tasks()
    params = dict(hidden_layer_sizes=(12,), max_iter=5, batch_size=32, random_state=0, dtype="float64",
                  **BACKEND_SETTINGS[name])
    ours = _quiet(SharedMLPRegressor(**params), X, y, tasks=tasks)
    theirs = _quiet(SharedMLPRegressor(**params, backend="torch", device="cpu"), X, y, tasks=tasks)
    for p, q in zip(ours._params, theirs._params):
        np.testing.assert_allclose(p, q, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)
    np.testing.assert_allclose(ours.predict(X, tasks=tasks), theirs.predict(X, tasks=tasks), rtol=1e-9, atol=1e-12)


# ------------------------------------------------- the task data model


@pytest.mark.filterwarnings("ignore:Got `batch_size` larger than the sample size")
@pytest.mark.parametrize(
    "options", [{}, {"gradient_method": "pcgrad"}, {"loss_weighting": "gradnorm"}],
    ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "plain",
)
def test_wide_form_equals_long_form_on_the_labelled_entries(options):
    rng = np.random.RandomState(0)
    X = rng.randn(90, 4)
    Y = np.column_stack([X[:, 0] + X[:, 1], X[:, 0] - X[:, 2], np.sin(X[:, 3])])
    Y[rng.rand(90, 3) < 0.3] = np.nan
    rows, codes = np.nonzero(~np.isnan(Y))
    # one batch, in order: both forms take the same steps on the same entries
    settings = dict(hidden_layer_sizes=(8,), solver="sgd", dtype="float64", batch_size=10_000, shuffle=False,
                    max_iter=5, learning_rate_init=0.1, random_state=0, normalize_targets=True, **options)
    wide = _quiet(SharedMLPRegressor(**settings), X, Y)
    long = _quiet(SharedMLPRegressor(**settings), X[rows], Y[rows, codes], tasks=codes)
    np.testing.assert_allclose(wide.target_mean_, long.target_mean_, rtol=1e-12)
    for p, q in zip(wide._params, long._params):
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-14)
    predicted = wide.predict(X)
    assert predicted.shape == (90, 3) and wide.n_outputs_ == 3 and long.n_outputs_ == 1
    np.testing.assert_allclose(predicted[rows, codes], long.predict(X[rows], tasks=codes), rtol=1e-12)
    np.testing.assert_allclose(wide.predict(X[rows], tasks=codes), predicted[rows, codes], rtol=1e-15)
    assert wide.score(X, Y) == pytest.approx(long.score(X[rows], Y[rows, codes], tasks=codes), rel=1e-12)


def test_a_wide_dataframe_comes_back_as_one_and_pickles():
    import pandas as pd

    rng = np.random.RandomState(1)
    X = rng.randn(60, 3)
    Y = pd.DataFrame({"price": X[:, 0] * 3, "volume": X[:, 1] + 1}, index=np.arange(100, 160))
    Y.iloc[::4, 1] = np.nan
    model = _quiet(SharedMLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0), X, Y)
    frame = model.predict(pd.DataFrame(X, index=Y.index))
    assert list(frame.columns) == ["price", "volume"] and list(frame.index) == list(Y.index)
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.coefs_[0] is loaded._params[0]


def test_a_task_column_in_a_dataframe_through_a_grid_search():
    import pandas as pd
    from sklearn.model_selection import GridSearchCV

    X, y, tasks = three_tasks(n=150)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(school=np.array(["hill", "lake", "moor"])[tasks])
    model = SharedMLPRegressor(hidden_layer_sizes=(8,), learning_rate_init=0.02, max_iter=30, random_state=0,
                               task_column="school", normalize_targets=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(model, {"alpha": [1e-4, 1e-1]}, cv=2).fit(frame, y)
    assert search.best_score_ > 0.5, search.best_score_  # mean per-task R² on held-out rows
    assert list(search.best_estimator_.feature_names_in_) == ["a", "b", "c", "d", "school"]
    assert search.predict(frame.iloc[:4]).shape == (4,)


def test_several_tasks_need_their_ids_and_targets_must_be_numbers():
    X, y, tasks = three_tasks(n=60)
    model = _quiet(SharedMLPRegressor(hidden_layer_sizes=(4,), max_iter=2, random_state=0), X, y, tasks=tasks)
    with pytest.raises(ValueError, match="needs the task of every row"):
        model.predict(X)
    with pytest.raises(ValueError, match="numeric targets"):
        SharedMLPRegressor(max_iter=1).fit(X, np.where(y > 0, "up", "down"), tasks=tasks)
    with pytest.raises(ValueError, match="missing target"):
        SharedMLPRegressor(max_iter=1).fit(X, np.where(y > 0, y, np.nan), tasks=tasks)
    assert "class_weight" not in SharedMLPRegressor().get_params()


# ----------------------------------------------------------- target scaling


def test_normalize_targets_makes_a_task_s_units_irrelevant():
    X, y, tasks = three_tasks()
    settings = dict(hidden_layer_sizes=(12,), max_iter=20, random_state=0, dtype="float64",
                    normalize_targets=True)
    base = _quiet(SharedMLPRegressor(**settings), X, y, tasks=tasks)
    scaled_y = np.where(tasks == 1, 1000 * y, y)
    scaled = _quiet(SharedMLPRegressor(**settings), X, scaled_y, tasks=tasks)
    before, after = base.predict(X, tasks=tasks), scaled.predict(X, tasks=tasks)
    np.testing.assert_allclose(after[tasks == 1], 1000 * before[tasks == 1], rtol=1e-8)
    np.testing.assert_allclose(after[tasks != 1], before[tasks != 1], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(scaled.target_scale_, base.target_scale_ * [1, 1000, 1], rtol=1e-12)
    # The default learns the targets as they are (MLPRegressor's objective): the
    # loud task's errors then dominate, and the same change moves the other tasks.
    plain = clone(base).set_params(normalize_targets=False)
    quiet, loud = _quiet(clone(plain), X, y, tasks=tasks), _quiet(clone(plain), X, scaled_y, tasks=tasks)
    assert np.all(quiet.target_mean_ == 0) and np.all(quiet.target_scale_ == 1)
    moved = np.abs(loud.predict(X, tasks=tasks) - quiet.predict(X, tasks=tasks))[tasks == 0]
    assert moved.max() > 0.1


def test_the_first_fit_fixes_the_scaling_for_partial_fit_and_warm_start():
    X, y, tasks = three_tasks()
    online = SharedMLPRegressor(hidden_layer_sizes=(8,), normalize_targets=True, random_state=0)
    online.partial_fit(X[:120], y[:120], tasks=tasks[:120])
    mean, scale = online.target_mean_.copy(), online.target_scale_.copy()
    online.partial_fit(X[120:], 2 * y[120:] + 1, tasks=tasks[120:])
    np.testing.assert_array_equal(online.target_mean_, mean)
    np.testing.assert_array_equal(online.target_scale_, scale)
    assert online.t_ == 240 and len(online.loss_curve_) == 2
    warm = _quiet(SharedMLPRegressor(hidden_layer_sizes=(8,), max_iter=2, warm_start=True,
                                     normalize_targets=True, random_state=0), X, y, tasks=tasks)
    first = warm.target_mean_.copy()
    _quiet(warm, X, y + 1, tasks=tasks)
    np.testing.assert_array_equal(warm.target_mean_, first)
    assert len(warm.loss_curve_) == 4


# ------------------------------------------------------- the other trunks


def test_the_recurrent_regressor_learns_from_ragged_sequences_in_both_forms():
    rng = np.random.RandomState(0)
    lengths = rng.randint(3, 9, 160)
    X = [rng.randn(n, 2) for n in lengths]
    tasks = np.repeat(["sum", "last"], 80)
    y = np.array([s[:, 0].sum() if t == "sum" else s[-1, 1] for s, t in zip(X, tasks)])
    settings = dict(cell="gru", hidden_size=12, learning_rate_init=0.02, max_iter=60, random_state=0)
    model = _quiet(SharedRNNRegressor(**settings), X, y, tasks=tasks)
    assert model.score(X, y, tasks=tasks) > 0.9  # measured 0.987
    Y = np.full((160, 2), np.nan)
    Y[:80, 0], Y[80:, 1] = y[:80], y[80:]
    Y[:80, 1] = [s[-1, 1] for s in X[:80]]  # the second task labelled on half the first's rows too
    wide = _quiet(SharedRNNRegressor(**settings), X, Y)
    assert wide.predict(X).shape == (160, 2) and wide.score(X, Y) > 0.9  # measured 0.979


def test_the_convolutional_regressor_learns_from_small_images_in_both_forms():
    rng = np.random.RandomState(0)
    images = rng.rand(160, 6, 6)
    top_minus_bottom = images[:, :3].mean((1, 2)) - images[:, 3:].mean((1, 2))
    left_minus_right = images[:, :, :3].mean((1, 2)) - images[:, :, 3:].mean((1, 2))
    settings = dict(conv_layers=[(4, 3)], pool_size=None, hidden_layer_sizes=(8,), learning_rate_init=0.02,
                    max_iter=80, normalize_targets=True, random_state=0)
    wide = _quiet(SharedCNNRegressor(**settings), images, np.column_stack([top_minus_bottom, left_minus_right]))
    assert wide.score(images, np.column_stack([top_minus_bottom, left_minus_right])) > 0.9  # measured 0.983
    tasks = np.arange(160) % 2
    y = np.where(tasks == 0, top_minus_bottom, left_minus_right)
    long = _quiet(SharedCNNRegressor(**settings), images, y, tasks=tasks)
    assert long.score(images, y, tasks=tasks) > 0.9  # measured 0.976
    assert long.predict(images[:3], tasks=[0, 1, 0]).shape == (3,)


# ------------------------------------------------------------ task options


def test_uncertainty_weighting_down_weights_the_noisy_task():
    X, y, tasks = three_tasks()
    model = _quiet(SharedMLPRegressor(hidden_layer_sizes=(12,), learning_rate_init=0.01, batch_size=32,
                                      max_iter=30, loss_weighting="uncertainty", normalize_targets=True,
                                      random_state=0), X, y, tasks=tasks)
    weights = model.task_weights_  # task 2's targets carry 20x the others' noise
    assert weights[2] < 0.5 * min(weights[0], weights[1])  # measured 3.1 against 7.8 and 8.5
    assert model.score(X, y, tasks=tasks) > 0.6


@pytest.mark.parametrize(
    "options",
    [{"gradient_method": "pcgrad"}, {"gradient_method": "mgda"}, {"loss_weighting": "dwa"},
     {"loss_weighting": "gradnorm"}],
    ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()),
)
def test_the_gradient_methods_and_loss_weightings_train_the_regressor(options):
    X, y, tasks = three_tasks()
    model = _quiet(SharedMLPRegressor(hidden_layer_sizes=(12,), learning_rate_init=0.01, max_iter=40,
                                      normalize_targets=True, random_state=0, **options), X, y, tasks=tasks)
    assert model.score(X, y, tasks=tasks) > 0.75  # measured 0.866 to 0.870
    assert len(model.task_weight_history_) == model.n_iter_
    assert np.all(np.isfinite(model.task_weights_))


def test_early_stopping_keeps_the_best_mean_task_r2():
    X, y, tasks = three_tasks(n=300)
    model = _quiet(SharedMLPRegressor(hidden_layer_sizes=(12,), learning_rate_init=0.01, early_stopping=True,
                                      n_iter_no_change=3, max_iter=60, random_state=0), X, y, tasks=tasks)
    assert model.best_validation_score_ == max(model.validation_scores_) and model.best_loss_ is None
    assert 0.5 < model.best_validation_score_ <= 1  # measured 0.749


# ------------------------------------------------- scikit-learn's checks


# Small networks and few epochs keep the ~180 checks at a few seconds; each still fits
# the checks' data well enough (R² > 0.5). float64: the sample-weight equivalence
# check is then strict (1e-7), and passes.
@parametrize_with_checks(
    [
        SharedMLPRegressor(hidden_layer_sizes=(8,), learning_rate_init=0.03, max_iter=25, dtype="float64"),
        # One step of 10 features per row (the checks' tables): fast, and enough to fit them.
        SharedRNNRegressor(cell="gru", hidden_size=4, n_timesteps=1, learning_rate_init=0.05, max_iter=25,
                           dtype="float64"),
        SharedCNNRegressor(conv_layers=[(2, (1, 3))], pool_size=None, padding="same", hidden_layer_sizes=(4,),
                           learning_rate_init=0.03, max_iter=25, dtype="float64"),
    ]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_target_scaling_is_fixed_by_the_first_call_and_says_so():
    rng = np.random.RandomState(0)
    X, tasks = rng.randn(60, 3), np.repeat([0, 1], 30)
    y = X @ [1.0, 2.0, 3.0] + 100 * tasks
    model = SharedMLPRegressor(hidden_layer_sizes=(4,), normalize_targets=True, random_state=0)
    # One row of each task cannot set a scale: the model says so instead of training on raw targets silently.
    with pytest.warns(UserWarning, match=r"task\(s\) 0, 1 have fewer than two rows"):
        model.partial_fit(X[[0, 30]], y[[0, 30]], tasks=tasks[[0, 30]])
    np.testing.assert_array_equal(model.target_scale_, [1.0, 1.0])
    model.partial_fit(X, y, tasks=tasks)  # later calls keep the first call's scaling
    np.testing.assert_array_equal(model.target_scale_, [1.0, 1.0])
    model.set_params(normalize_targets=False)
    with pytest.raises(ValueError, match="first fitted with normalize_targets=True"):
        model.partial_fit(X, y, tasks=tasks)
