"""SharedRNNClassifier: inputs, tasks, backends, and the shared training loop."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from skmtl import SharedRNNClassifier
from skmtl.nn._numpy_backend import clip_by_norm


def _fit(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


@pytest.fixture(scope="module")
def sequences():
    """Two tasks on sequences of 2 features: the sign of a sum, the sign of the last step."""
    rng = np.random.RandomState(0)
    X = rng.randn(160, 6, 2)
    tasks = np.repeat(["sum", "last"], 80)
    y = np.where(tasks == "sum", X[:, :, 0].sum(axis=1) > 0, X[:, -1, 1] > 0).astype(int)
    return X, y, tasks


def test_three_input_forms_give_the_same_model(sequences):
    X, y, tasks = sequences
    params = dict(hidden_size=8, max_iter=3, random_state=0)
    cube = _fit(SharedRNNClassifier(**params), X, y, tasks=tasks)
    listed = _fit(SharedRNNClassifier(**params), list(X), y, tasks=tasks)
    rows = _fit(SharedRNNClassifier(**params, n_timesteps=6), X.reshape(len(X), -1), y, tasks=tasks)
    for a, b, c in zip(cube._params, listed._params, rows._params):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    assert cube.n_features_in_ == 2 and rows.n_features_in_ == 12
    np.testing.assert_array_equal(cube.predict(X, tasks=tasks), rows.predict(X.reshape(len(X), -1), tasks=tasks))
    univariate = _fit(SharedRNNClassifier(**params), X[:, :, 0], y, tasks=tasks)
    assert univariate.rnn_weights_["weight_ih_l0"].shape == (4 * 8, 1)  # one value per step


def test_variable_length_sequences_read_their_last_real_step():
    rng = np.random.RandomState(1)
    lengths = rng.randint(2, 9, 200)
    X = [rng.randn(n, 1) for n in lengths]
    y = np.array([int(s[-1, 0] > 0) for s in X])  # the answer sits at each sequence's end
    clf = _fit(SharedRNNClassifier(hidden_size=16, learning_rate_init=0.01, max_iter=60, random_state=0), X, y)
    assert clf.score(X, y) > 0.9
    # In a ragged batch a short sequence is padded to the longest one inside;
    # the padding is masked, so its answer is the one it gets alone.
    short, long = int(np.argmin(lengths)), int(np.argmax(lengths))
    assert lengths[short] < lengths[long]
    alone = clf.predict_proba([X[short]])[0]
    np.testing.assert_allclose(clf.predict_proba([X[short], X[long]])[0], alone, rtol=1e-12)
    # Read as real steps, the same zeros would change it: the mask is what keeps it.
    padded = np.zeros((1, lengths[long], 1))
    padded[0, : lengths[short]] = X[short]
    assert np.abs(clf.predict_proba(padded)[0] - alone).max() > 1e-3


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_learns_each_cell(sequences, cell):
    X, y, tasks = sequences
    clf = _fit(SharedRNNClassifier(cell=cell, hidden_size=16, learning_rate_init=0.01, max_iter=80,
                                   random_state=0), X, y, tasks=tasks)
    assert clf.score(X, y, tasks=tasks) > 0.85


def test_bad_sequences_get_clear_errors(sequences):
    X, y, tasks = sequences
    clf = SharedRNNClassifier(max_iter=1)
    with pytest.raises(ValueError, match=r"X\[1\] has 3 features per step but X\[0\] has 2"):
        clf.fit([np.ones((3, 2)), np.ones((3, 3))], [0, 1])
    with pytest.raises(ValueError, match=r"X\[1\] is an empty sequence"):
        clf.fit([np.ones((3, 2)), np.ones((0, 2))], [0, 1])
    bad = list(X)
    bad[4] = bad[4].copy()
    bad[4][2, 1] = np.nan
    with pytest.raises(ValueError, match=r"X\[4\] contains NaN"):
        clf.fit(bad, y, tasks=tasks)
    with pytest.raises(ValueError, match="n_timesteps=5 does not divide the row length 12"):
        SharedRNNClassifier(n_timesteps=5).fit(X.reshape(len(X), -1), y)
    with pytest.raises(ValueError, match="pass the task ids as tasks="):
        SharedRNNClassifier(task_column=0).fit(X, y)
    fitted = _fit(SharedRNNClassifier(hidden_size=4, max_iter=1), X, y, tasks=tasks)
    with pytest.raises(ValueError, match="pass tasks="):
        fitted.predict(X)
    with pytest.raises(ValueError, match="3 features per step"):
        fitted.predict(np.ones((2, 6, 3)), tasks=["sum", "last"])


def test_grid_search_on_flattened_rows_with_a_task_column(sequences):
    import pandas as pd
    from sklearn.model_selection import GridSearchCV

    from skmtl.model_selection import TaskStratifiedKFold

    X, y, tasks = sequences
    frame = pd.DataFrame(X.reshape(len(X), -1), columns=[f"s{t}f{f}" for t in range(6) for f in range(2)])
    frame["task"] = tasks
    model = SharedRNNClassifier(hidden_size=8, max_iter=20, n_timesteps=6, task_column="task", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(model, {"cell": ["lstm", "gru"], "bidirectional": [False, True]},
                              cv=TaskStratifiedKFold(2, task_column="task")).fit(frame, y)
    assert search.best_estimator_.n_tasks_ == 2
    assert search.predict(frame).shape == (len(y),)


def test_pickle_clone_and_torch_names(sequences):
    X, y, tasks = sequences
    clf = _fit(SharedRNNClassifier(hidden_size=4, num_layers=2, bidirectional=True, max_iter=2, random_state=0),
               X, y, tasks=tasks)
    assert len(clf.rnn_weights_) == 16 and "weight_hh_l1_reverse" in clf.rnn_weights_
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(X, tasks=tasks), clf.predict_proba(X, tasks=tasks))
    assert loaded.rnn_weights_["weight_ih_l0"] is loaded._params[0]
    assert clone(clf).get_params() == clf.get_params()


def test_torch_module_loads_the_trunk_weights(sequences):
    torch = pytest.importorskip("torch", reason="torch is not installed: pip install 'skmtl[torch]'")
    X, y, tasks = sequences
    clf = _fit(SharedRNNClassifier(cell="gru", hidden_size=4, num_layers=2, bidirectional=True, max_iter=2,
                                   random_state=0, dtype="float64"), X, y, tasks=tasks)
    module = torch.nn.GRU(2, 4, num_layers=2, bidirectional=True, batch_first=True).double()
    module.load_state_dict({k: torch.tensor(v) for k, v in clf.rnn_weights_.items()})
    _, h_n = module(torch.tensor(X))
    from skmtl.nn._autograd import Tensor
    from skmtl.nn._numpy_backend import NumpyOps

    ours = clf._network.forward_trunk(NumpyOps, [Tensor(p) for p in clf._params], Tensor(X)).data
    np.testing.assert_allclose(ours, torch.cat([h_n[2], h_n[3]], dim=1).detach().numpy(), rtol=1e-10)


def test_gradient_clipping_is_torchs():
    torch = pytest.importorskip("torch", reason="torch is not installed: pip install 'skmtl[torch]'")
    rng = np.random.RandomState(0)
    grads = [rng.randn(3, 4), None, rng.randn(5)]
    clipped = clip_by_norm(grads, 0.5)
    tensors = [torch.zeros(3, 4, dtype=torch.float64, requires_grad=True), torch.zeros(5, dtype=torch.float64,
                                                                                       requires_grad=True)]
    tensors[0].grad, tensors[1].grad = torch.tensor(grads[0]), torch.tensor(grads[2])
    torch.nn.utils.clip_grad_norm_(tensors, 0.5)
    np.testing.assert_allclose(clipped[0], tensors[0].grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(clipped[2], tensors[1].grad.numpy(), rtol=1e-12)
    assert clipped[1] is None and clip_by_norm(grads, 1e6) is grads


SETTINGS = {
    "lstm": dict(cell="lstm"),
    "gru two layers bidirectional dropout": dict(cell="gru", num_layers=2, bidirectional=True, dropout=0.3),
    "rnn with towers and pcgrad": dict(cell="rnn", task_hidden_layer_sizes=(4,), gradient_method="pcgrad"),
}


@pytest.mark.parametrize("name", sorted(SETTINGS))
@pytest.mark.parametrize("ragged", [False, True], ids=["padded", "ragged"])
def test_backends_agree(sequences, name, ragged):
    pytest.importorskip("torch", reason="torch is not installed: pip install 'skmtl[torch]'")
    X, y, tasks = sequences
    if ragged:
        X = [x[: 2 + k % 5] for k, x in enumerate(X)]
    params = dict(hidden_size=8, max_iter=3, batch_size=32, random_state=0, **SETTINGS[name])
    ours = _fit(SharedRNNClassifier(**params), X, y, tasks=tasks)
    theirs = _fit(SharedRNNClassifier(**params, backend="torch", device="cpu"), X, y, tasks=tasks)
    for p, q in zip(ours._params, theirs._params):
        np.testing.assert_allclose(p, q, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(ours.predict(X, tasks=tasks), theirs.predict(X, tasks=tasks))


def test_compares_with_one_rnn_per_task(sequences):
    from skmtl import compare_with_single_task

    X, y, tasks = sequences
    rows = X.reshape(len(X), -1)
    clf = SharedRNNClassifier(hidden_size=4, max_iter=5, n_timesteps=6, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = compare_with_single_task(clf, rows, y, tasks=tasks, cv=2, random_state=0)
    assert result.scores.shape == (3, 2, 2)


def test_partial_fit_and_early_stopping_on_ragged_sequences(sequences):
    X, y, tasks = sequences
    ragged = [x[: 3 + k % 4] for k, x in enumerate(X)]
    clf = SharedRNNClassifier(hidden_size=8, random_state=0)
    for _ in range(2):
        clf.partial_fit(ragged, y, tasks=tasks, classes=[0, 1])
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 2 and clf.t_ == 2 * len(y)
    stopped = _fit(SharedRNNClassifier(hidden_size=8, early_stopping=True, n_iter_no_change=2,
                                       learning_rate_init=0.01, random_state=0), ragged, y, tasks=tasks)
    assert len(stopped.validation_scores_) == stopped.n_iter_ < 200
    assert stopped.best_validation_score_ == max(stopped.validation_scores_)


def test_a_list_of_1d_sequences_says_each_must_be_2d():
    rng = np.random.RandomState(0)
    X = [rng.randn(n) for n in (3, 5, 4, 6)]
    with pytest.raises(ValueError, match=r"list of 1-D sequences.*2-D array \(n_steps, n_features\)"):
        SharedRNNClassifier(max_iter=2).fit(X, [0, 1, 0, 1])
    clf = _fit(SharedRNNClassifier(hidden_size=4, max_iter=2), [np.reshape(s, (-1, 1)) for s in X], [0, 1, 0, 1])
    with pytest.raises(ValueError, match="list of 1-D sequences"):
        clf.predict(X)


def test_sequences_too_long_for_memory_are_refused_up_front(monkeypatch):
    """The activations of a batch are counted before the first epoch, not after minutes."""
    from skmtl import _memory

    monkeypatch.setattr(_memory, "tightest_memory_limit", lambda: _memory.MemoryLimit(2**30, "test limit"))
    X = np.zeros((8, 5000, 1), np.float32)
    with pytest.raises(MemoryError, match=r"training of 8 sequences of 5000 steps.*batch_size"):
        SharedRNNClassifier(hidden_size=2048, max_iter=1).fit(X, [0, 1] * 4)


def test_prediction_runs_in_chunks_with_the_same_answer(monkeypatch):
    from skmtl.nn import _rnn

    rng = np.random.RandomState(0)
    X, y = rng.randn(50, 6, 2), np.tile([0, 1], 25)
    clf = _fit(SharedRNNClassifier(hidden_size=8, max_iter=3, random_state=0), X, y)
    whole = clf.predict_proba(X)
    monkeypatch.setattr(_rnn, "_PREDICTION_CHUNK_BYTES", clf._activation_bytes(7, 6, 8))
    assert clf._prediction_rows(X) == 7
    np.testing.assert_allclose(clf.predict_proba(X), whole, rtol=1e-12)  # BLAS blocks rows differently


def test_integer_sample_weights_equal_repeated_rows_up_to_rounding():
    """What sklearn's sample-weight check asks, on the losses: one batch, so only the summation order differs."""
    rng = np.random.RandomState(0)
    X, y = rng.randn(15, 6), np.tile([0, 1, 2], 5)
    weight = rng.randint(0, 3, len(y))
    params = dict(dtype="float64", max_iter=30, random_state=0)
    weighted = _fit(SharedRNNClassifier(**params), X, y, sample_weight=weight)
    repeated = _fit(SharedRNNClassifier(**params), np.repeat(X, weight, axis=0), np.repeat(y, weight))
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-10)
