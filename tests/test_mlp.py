"""SharedMLPClassifier: MLPClassifier's behaviour with one task, the task data model with many."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skmtl import SharedMLPClassifier, compare_with_single_task
from skmtl.datasets import make_multitask_classification


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X[:600] / 16.0, y[:600]


@pytest.fixture(scope="module")
def multitask():
    X, y, tasks, _ = make_multitask_classification(n_samples=400, n_tasks=4, random_state=0)
    return X, y, tasks


def _quiet(estimator, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(*args, **kwargs)


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("binary", [False, True])
def test_one_task_with_sgd_in_float64_is_mlpclassifier(digits, binary, early_stopping):
    # Same initial weights, same shuffles, same validation split (stratified
    # for two classes only), same update rule: the same model.
    X, y = digits
    y = (y > 4).astype(int) if binary else y
    params = dict(hidden_layer_sizes=(20, 10), solver="sgd", learning_rate_init=0.05, max_iter=8, random_state=3,
                  early_stopping=early_stopping, n_iter_no_change=2)
    theirs = _quiet(MLPClassifier(**params), X, y)
    ours = _quiet(SharedMLPClassifier(**params, dtype="float64"), X, y)
    assert ours.n_iter_ == theirs.n_iter_ and ours.t_ == theirs.t_
    assert ours.validation_scores_ == theirs.validation_scores_
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-12)
    for mine, reference in zip(ours.coefs_ + ours.task_coefs_[0], theirs.coefs_):
        np.testing.assert_allclose(mine, reference, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-10)


def test_adam_follows_torch_so_it_differs_from_mlpclassifier_only_in_epsilon(digits):
    # sklearn adds epsilon before bias-correcting the second moment, torch after:
    # the loss curves stay close, the starting point is the same.
    X, y = digits
    params = dict(hidden_layer_sizes=(20,), max_iter=10, random_state=0)
    theirs = _quiet(MLPClassifier(**params), X, y)
    ours = _quiet(SharedMLPClassifier(**params, dtype="float64"), X, y)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=2e-3)


def test_float32_by_default_and_probabilities_in_float64(multitask):
    X, y, tasks = multitask
    clf = _quiet(SharedMLPClassifier((8,), max_iter=3, random_state=0), X, y, tasks=tasks)
    assert all(p.dtype == np.float32 for p in clf._params)
    proba = clf.predict_proba(X, tasks=tasks)
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_tasks_with_different_label_sets():
    rng = np.random.RandomState(0)
    X = rng.randn(300, 3)
    tasks = np.repeat(["two", "three"], 150)
    y = np.where(tasks == "two", (X[:, 0] > 0).astype(int), np.digitize(X[:, 1], [-0.5, 0.5]) + 1)
    clf = _quiet(SharedMLPClassifier((16,), max_iter=200, random_state=0), X, y, tasks=tasks)
    assert list(clf.classes_) == [0, 1, 2, 3]
    assert list(clf.task_classes_["two"]) == [0, 1] and list(clf.task_classes_["three"]) == [1, 2, 3]
    assert clf._network.n_outputs == [3, 1]  # tasks sorted: 'three' (softmax), 'two' (sigmoid)
    proba = clf.predict_proba(X, tasks=tasks)
    assert np.all(proba[tasks == "two"][:, [2, 3]] == 0) and np.all(proba[tasks == "three"][:, 0] == 0)
    predicted = clf.predict(X, tasks=tasks)
    assert set(predicted[tasks == "two"]) <= {0, 1} and set(predicted[tasks == "three"]) <= {1, 2, 3}
    assert clf.score(X, y, tasks=tasks) > 0.9


def test_shared_trunk_learns_what_no_single_task_can_alone():
    # Ten tasks share one nonlinear feature; each has too few rows to learn it.
    rng = np.random.RandomState(1)
    n_tasks, n_train = 10, 20
    X = rng.uniform(-2, 2, (n_tasks * 400, 2))
    tasks = np.repeat(np.arange(n_tasks), 400)
    sign = np.where(tasks % 2 == 0, 1, -1)
    y = (sign * (X[:, 0] ** 2 + X[:, 1] ** 2 - 2) > 0).astype(int)
    train = np.concatenate([np.arange(t * 400, t * 400 + n_train) for t in range(n_tasks)])
    test = np.setdiff1d(np.arange(len(y)), train)
    params = dict(hidden_layer_sizes=(32,), max_iter=600, learning_rate_init=0.01, random_state=0)
    shared = _quiet(SharedMLPClassifier(**params), X[train], y[train], tasks=tasks[train])
    independent = [
        _quiet(MLPClassifier(**params), X[train][tasks[train] == t], y[train][tasks[train] == t])
        for t in range(n_tasks)
    ]
    shared_acc = shared.score(X[test], y[test], tasks=tasks[test])
    independent_acc = np.mean(
        [m.score(X[test][tasks[test] == t], y[test][tasks[test] == t]) for t, m in enumerate(independent)]
    )
    assert shared_acc > independent_acc + 0.04  # measured: 0.90 vs 0.84


def test_pipeline_and_grid_search_with_the_task_column_by_name():
    from sklearn.compose import ColumnTransformer
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, tasks, _ = make_multitask_classification(n_samples=300, n_tasks=3, random_state=2, as_frame=True)
    features = [c for c in X.columns if c != "task"]
    scale = ColumnTransformer([("s", StandardScaler(), features)], remainder="passthrough",
                              verbose_feature_names_out=False).set_output(transform="pandas")
    model = make_pipeline(scale, SharedMLPClassifier((8,), max_iter=50, random_state=0, task_column="task"))
    grid = {"sharedmlpclassifier__alpha": [1e-4, 1e-1], "sharedmlpclassifier__loss_weighting": ["equal", "dwa"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(model, grid, cv=3).fit(X, y)
    clf = search.best_estimator_[-1]
    assert list(clf.feature_names_in_) == features + ["task"]
    assert clf.n_tasks_ == 3
    assert search.predict(X).shape == (len(y),)
    assert list(clf.tasks_) == sorted(X["task"].unique())  # read from the column named 'task'
    # Each row goes through its own task's head: relabel the tasks and the answers change.
    moved = X.assign(task=X["task"].map(dict(zip(clf.tasks_, np.roll(clf.tasks_, 1)))))
    assert np.abs(search.predict_proba(moved) - search.predict_proba(X)).max() > 0.05


def test_clone_pickle_and_reproducibility(multitask):
    X, y, tasks = multitask
    clf = SharedMLPClassifier((8,), max_iter=5, dropout=0.1, random_state=7)
    a = _quiet(clone(clf), X, y, tasks=tasks)
    b = _quiet(clone(clf), X, y, tasks=tasks)
    for p, q in zip(a._params, b._params):
        np.testing.assert_array_equal(p, q)
    c = _quiet(clone(clf).set_params(random_state=8), X, y, tasks=tasks)
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])
    loaded = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(loaded.predict_proba(X, tasks=tasks), a.predict_proba(X, tasks=tasks))
    # Training goes on identically after a round trip (parameter views rebound).
    a.partial_fit(X, y, tasks=tasks)
    loaded.partial_fit(X, y, tasks=tasks)
    for p, q in zip(a._params, loaded._params):
        np.testing.assert_array_equal(p, q)
    assert loaded.coefs_[0] is loaded._params[0]


def test_partial_fit_is_one_epoch_and_keeps_the_optimizer(multitask):
    X, y, tasks = multitask
    params = dict(hidden_layer_sizes=(8,), shuffle=False, random_state=0)
    stepped = SharedMLPClassifier(**params)
    with pytest.raises(ValueError, match="classes must be passed"):
        stepped.partial_fit(X, y, tasks=tasks)
    for _ in range(3):
        stepped.partial_fit(X, y, tasks=tasks, classes=np.unique(y))
    assert stepped.n_iter_ == 1 and stepped.t_ == 3 * len(y) and len(stepped.loss_curve_) == 3
    whole = _quiet(SharedMLPClassifier(**params, max_iter=3), X, y, tasks=tasks)
    for p, q in zip(stepped._params, whole._params):
        np.testing.assert_allclose(p, q, rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="early_stopping"):
        SharedMLPClassifier(early_stopping=True).partial_fit(X, y, tasks=tasks, classes=[0, 1])
    with pytest.raises(ValueError, match="Unknown task"):
        stepped.partial_fit(X, y, tasks=np.where(tasks == tasks[0], "new", tasks))


def test_warm_start_continues_and_needs_the_same_classes(multitask):
    X, y, tasks = multitask
    clf = _quiet(SharedMLPClassifier((8,), max_iter=5, random_state=0, warm_start=True), X, y, tasks=tasks)
    before = clf.coefs_[0].copy()
    _quiet(clf, X, y, tasks=tasks)
    assert len(clf.loss_curve_) == 10 and not np.array_equal(before, clf.coefs_[0])
    with pytest.raises(ValueError, match="warm_start can only be used where `y` has the same classes"):
        clf.fit(X, y + 5, tasks=tasks)
    # A subset of the classes is refused too, as MLPClassifier refuses it.
    with pytest.raises(ValueError, match=r"warm_start can only be used.*Previously got \[0 1\], `y` has \[1\]"):
        clf.fit(X[y == 1], y[y == 1], tasks=tasks[y == 1])


def test_partial_fit_refuses_other_classes_than_the_first_call(multitask):
    X, y, tasks = multitask
    clf = SharedMLPClassifier((8,), random_state=0).partial_fit(X, y, tasks=tasks, classes=[0, 1])
    with pytest.raises(ValueError, match=r"`classes=\[1, 2\]` is not the same as the classes of the first fit"):
        clf.partial_fit(X, y + 1, tasks=tasks, classes=[1, 2])
    clf.partial_fit(X, y, tasks=tasks, classes=[1, 0])  # the same classes, in any order


@pytest.mark.parametrize("param, value", [
    ("hidden_layer_sizes", (0,)), ("hidden_layer_sizes", (8, 0)), ("hidden_layer_sizes", (-1,)),
    ("hidden_layer_sizes", (2.5,)), ("hidden_layer_sizes", ()), ("task_hidden_layer_sizes", (0,)),
    ("task_hidden_layer_sizes", 0), ("task_hidden_layer_sizes", (4, -2)),
])
def test_layers_of_no_width_are_refused(multitask, param, value):
    """A layer of width 0 passes nothing on: every prediction would be a constant."""
    X, y, tasks = multitask
    with pytest.raises(ValueError, match=rf"{param}.*(positive integer|range \[1, inf\))"):
        SharedMLPClassifier(**{param: value}, max_iter=2).fit(X, y, tasks=tasks)


def test_a_diverging_run_names_the_learning_rate(multitask):
    X, y, tasks = multitask
    with pytest.warns(ConvergenceWarning, match=r"diverged.*learning_rate_init \(now 1e\+06\)"):
        SharedMLPClassifier((8,), learning_rate_init=1e6, max_iter=20, random_state=0).fit(X, y, tasks=tasks)
    with pytest.raises(ValueError, match=r"loss became nan.*diverged.*learning_rate_init"):
        SharedMLPClassifier((8,), solver="sgd", learning_rate_init=1e6, max_iter=20, random_state=0).fit(
            X, y, tasks=tasks
        )


def test_sample_weight_overflowing_float32_is_named(multitask):
    X, y, tasks = multitask
    weight = np.ones(len(y))
    weight[0] = 1e39
    with pytest.raises(ValueError, match="sample_weight .*too large for dtype='float32'"):
        SharedMLPClassifier((8,), max_iter=2).fit(X, y, tasks=tasks, sample_weight=weight)
    SharedMLPClassifier((8,), max_iter=2, dtype="float64").fit(X, y, tasks=tasks, sample_weight=weight)
    # Each weight fits float32, their sum in a batch does not: still the weights, not the learning rate.
    with pytest.raises(ValueError, match="untrained network is already inf.*Rescale sample_weight"):
        SharedMLPClassifier((8,), max_iter=2).fit(X, y, tasks=tasks, sample_weight=np.full(len(y), 1e37))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_early_stopping_on_small_tasks(n_classes):
    """Too few rows to stratify by task and class: by task, else not at all; never a crash."""
    rng = np.random.RandomState(0)
    X = rng.randn(24, 3)
    tasks = np.repeat(["a", "b", "c", "d"], 6)
    y = np.tile(np.arange(n_classes), 24 // n_classes)
    clf = _quiet(SharedMLPClassifier((4,), early_stopping=True, max_iter=3, random_state=0), X, y, tasks=tasks)
    assert len(clf.validation_scores_) == clf.n_iter_
    with pytest.raises(ValueError, match="without training rows.*validation_fraction"):
        _quiet(SharedMLPClassifier((4,), early_stopping=True, validation_fraction=0.9, random_state=0),
               X, y, tasks=tasks)


def test_early_stopping_keeps_the_best_weights(multitask):
    X, y, tasks = multitask
    clf = _quiet(
        SharedMLPClassifier((16,), early_stopping=True, validation_fraction=0.25, n_iter_no_change=3,
                            max_iter=300, random_state=0),
        X, y, tasks=tasks,
    )
    assert clf.best_loss_ is None and len(clf.validation_scores_) == clf.n_iter_ < 300
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    # The validation rows are stratified by task and class; score them again.
    from sklearn.model_selection import train_test_split

    cells = np.unique(tasks, return_inverse=True)[1] * 2 + y
    rng = np.random.RandomState(0)
    clf._network.init(rng, np.float32)  # the initial weights are drawn first
    _, val = train_test_split(np.arange(len(y)), random_state=rng, test_size=0.25, stratify=cells)
    assert clf.score(X[val], y[val], tasks=tasks[val]) == pytest.approx(clf.best_validation_score_)


def test_verbose_prints_the_loss(multitask, capsys):
    X, y, tasks = multitask
    _quiet(SharedMLPClassifier((4,), max_iter=2, verbose=True), X, y, tasks=tasks)
    assert "Iteration 2, loss = " in capsys.readouterr().out


def test_curves_and_weights_have_one_row_per_epoch(multitask):
    X, y, tasks = multitask
    clf = _quiet(SharedMLPClassifier((8,), max_iter=4, random_state=0), X, y, tasks=tasks)
    assert set(clf.task_loss_curves_) == set(clf.tasks_)
    assert all(len(curve) == 4 for curve in clf.task_loss_curves_.values())
    assert clf.task_weight_history_.shape == (4, 4)
    np.testing.assert_allclose(clf.task_weights_, 1.0)  # the defaults: plain mean over rows


def test_class_weight_is_a_sample_weight_per_class(multitask):
    # Full batches and Adam: the two differ only by the constant the loss is
    # divided by (rows vs summed sample weight), which Adam's update ignores.
    X, y, tasks = multitask
    params = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0, dtype="float64", batch_size=len(y))
    by_class = _quiet(SharedMLPClassifier(**params, class_weight={0: 3.0, 1: 1.0}), X, y, tasks=tasks)
    by_sample = _quiet(SharedMLPClassifier(**params), X, y, tasks=tasks, sample_weight=np.where(y == 0, 3.0, 1.0))
    for p, q in zip(by_class._params, by_sample._params):
        np.testing.assert_allclose(p, q, rtol=1e-4, atol=1e-6)
    plain = _quiet(SharedMLPClassifier(**params), X, y, tasks=tasks)
    assert not np.allclose(plain.coefs_[0], by_class.coefs_[0], rtol=1e-4, atol=1e-6)


def test_task_weights_fixed_balanced_and_zero(multitask):
    X, y, tasks = multitask
    keep = np.concatenate([np.flatnonzero(tasks == t)[: 40 if t == tasks[0] else 100] for t in np.unique(tasks)])
    X, y, tasks = X[keep], y[keep], tasks[keep]
    params = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=0, alpha=0.0)
    balanced = _quiet(SharedMLPClassifier(**params, task_weights="balanced"), X, y, tasks=tasks)
    sizes = np.unique(tasks, return_counts=True)[1]
    np.testing.assert_allclose(balanced.task_weights_, len(y) / (len(sizes) * sizes), rtol=1e-6)
    # A task of weight 0 teaches nothing: its head stays where it started.
    muted = _quiet(SharedMLPClassifier(**params, task_weights={balanced.tasks_[1]: 0.0}), X, y, tasks=tasks)
    initial = muted._network.init(np.random.RandomState(0), np.float32)
    head = muted._network.task_starts[1]
    np.testing.assert_array_equal(muted.task_coefs_[1][0], initial[head])
    assert not np.array_equal(muted.task_coefs_[0][0], initial[muted._network.task_starts[0]])
    with pytest.raises(ValueError, match="unknown task"):
        _quiet(SharedMLPClassifier(**params, task_weights={"nope": 1.0}), X, y, tasks=tasks)


def test_bad_input_gets_a_clear_error(multitask):
    X, y, tasks = multitask
    clf = _quiet(SharedMLPClassifier((4,), max_iter=2, random_state=0), X, y, tasks=tasks)
    with pytest.raises(ValueError, match="pass tasks="):
        clf.predict(X)
    with pytest.raises(ValueError, match="Unknown task id"):
        clf.predict(X[:2], tasks=["mars", "venus"])
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SharedMLPClassifier().fit(bad, y, tasks=tasks)
    one_class = np.where(tasks == tasks[0], 0, y)
    with pytest.raises(ValueError, match="single class"):
        SharedMLPClassifier().fit(X, one_class, tasks=tasks)
    with pytest.raises(ValueError, match="at least one positive integer"):
        SharedMLPClassifier(hidden_layer_sizes=()).fit(X, y, tasks=tasks)
    with pytest.raises(ValueError, match="needs backend='torch'"):
        SharedMLPClassifier(device="cuda").fit(X, y, tasks=tasks)
    with pytest.raises(ValueError, match="is not a device"):
        SharedMLPClassifier(device="gpu").fit(X, y, tasks=tasks)
    with pytest.raises(ValueError, match="Unknown label type"):
        SharedMLPClassifier().partial_fit(X, y + 0.5, tasks=tasks, classes=[0, 1])
    with pytest.raises(ValueError, match="too large for dtype='float32'"):
        SharedMLPClassifier().fit(X * 1e300, y, tasks=tasks)
    with pytest.raises(ValueError, match="loss became nan.*learning_rate_init"):
        _quiet(SharedMLPClassifier((4,), learning_rate_init=1e30, solver="sgd", max_iter=3), X, y, tasks=tasks)


def test_compare_with_single_task_uses_mlpclassifier_as_the_baseline(multitask):
    X, y, tasks = multitask
    clf = SharedMLPClassifier((8,), task_hidden_layer_sizes=(4,), max_iter=30, random_state=0)
    baseline = clf._single_task_counterpart()
    assert isinstance(baseline, MLPClassifier) and baseline.hidden_layer_sizes == (8, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = compare_with_single_task(clf, X, y, tasks=tasks, cv=2, random_state=0)
    assert result.scores.shape == (3, 2, 4)
    assert "MLPClassifier" in str(result)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_sparse_rows_train_the_same_model_as_dense_ones(multitask, backend):
    """MLPClassifier takes CSR input; so does the shared network, with a sparse first-layer product."""
    import scipy.sparse as sp

    if backend == "torch":
        pytest.importorskip("torch", reason="backend='torch' needs PyTorch: pip install torch")
    X, y, tasks = multitask
    X = np.where(np.abs(X) > 1.0, X, 0.0)  # mostly zeros, as one-hot or text features are
    params = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0, dtype="float64", dropout=0.1,
                  backend=backend, device="cpu")
    dense = _quiet(SharedMLPClassifier(**params), X, y, tasks=tasks)
    sparse = _quiet(SharedMLPClassifier(**params), sp.csr_matrix(X), y, tasks=tasks)
    np.testing.assert_allclose(sparse.loss_curve_, dense.loss_curve_, rtol=1e-10)
    for mine, reference in zip(sparse._params, dense._params):
        np.testing.assert_allclose(mine, reference, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        sparse.predict_proba(sp.csc_matrix(X), tasks=tasks), dense.predict_proba(X, tasks=tasks), rtol=1e-9
    )
    with_column = sp.hstack([sp.csr_matrix(X), sp.csr_matrix(tasks.reshape(-1, 1).astype(float))]).tocsr()
    by_column = _quiet(SharedMLPClassifier(**params, task_column=-1), with_column, y)
    np.testing.assert_allclose(by_column.predict_proba(with_column), dense.predict_proba(X, tasks=tasks), rtol=1e-9)


def test_features_that_underflow_float32_are_named(multitask):
    """Values below float32's range become 0: a constant input, said out loud."""
    X, y, tasks = multitask
    with pytest.warns(UserWarning, match=r"too small for dtype='float32' and become 0.*dtype='float64'"):
        _quiet(SharedMLPClassifier((4,), max_iter=2), X * 1e-300, y, tasks=tasks)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        _quiet(SharedMLPClassifier((4,), max_iter=2, dtype="float64"), X * 1e-300, y, tasks=tasks)
