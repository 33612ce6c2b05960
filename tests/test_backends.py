"""Both backends take the same training steps: same weights, same predictions."""

import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skmtl import SharedMLPClassifier
from skmtl.datasets import make_multitask_classification

torch = pytest.importorskip("torch", reason="torch is not installed: pip install 'skmtl[torch]'")


@pytest.fixture(scope="module")
def data():
    X, y, tasks, _ = make_multitask_classification(n_samples=300, n_tasks=3, random_state=0)
    y = np.where(tasks == 2, 1 - y, y)  # one task against the others, so gradients conflict
    return X, y, tasks


def _fit(X, y, tasks, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return SharedMLPClassifier(**params).fit(X, y, tasks=tasks)


SETTINGS = {
    "default": {},
    "dropout and towers": dict(dropout=0.2, task_hidden_layer_sizes=(6,)),
    "sgd nesterov": dict(solver="sgd", learning_rate_init=0.05),
    "uncertainty": dict(loss_weighting="uncertainty"),
    "dwa": dict(loss_weighting="dwa"),
    "gradnorm": dict(loss_weighting="gradnorm"),
    "pcgrad": dict(gradient_method="pcgrad"),
    "mgda": dict(gradient_method="mgda", class_weight="balanced_per_task", task_weights="balanced"),
}


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_backends_agree_after_five_epochs(data, name):
    X, y, tasks = data
    params = dict(hidden_layer_sizes=(16, 8), max_iter=5, batch_size=32, random_state=0, **SETTINGS[name])
    ours = _fit(X, y, tasks, **params)
    theirs = _fit(X, y, tasks, backend="torch", device="cpu", **params)
    for p, q in zip(ours._params, theirs._params):
        assert q.dtype == np.float32 and isinstance(q, np.ndarray)
        np.testing.assert_allclose(p, q, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-5)
    np.testing.assert_array_equal(ours.predict(X, tasks=tasks), theirs.predict(X, tasks=tasks))


def test_training_moves_between_backends_with_its_optimizer_state(data):
    X, y, tasks = data
    params = dict(hidden_layer_sizes=(8,), random_state=0)
    classes = np.unique(y)
    numpy_only = SharedMLPClassifier(**params)
    mixed = SharedMLPClassifier(**params)
    for k in range(3):
        numpy_only.partial_fit(X, y, tasks=tasks, classes=classes)
        mixed.set_params(backend="torch" if k == 1 else "numpy", device="cpu")
        mixed.partial_fit(X, y, tasks=tasks, classes=classes)
    for p, q in zip(numpy_only._params, mixed._params):
        np.testing.assert_allclose(p, q, rtol=1e-5, atol=1e-6)


def test_a_torch_trained_model_predicts_where_torch_cannot_be_imported(data, tmp_path):
    X, y, tasks = data
    clf = _fit(X, y, tasks, hidden_layer_sizes=(8,), max_iter=3, backend="torch", device="cpu", random_state=0)
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(clf))
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "tasks.npy", tasks)
    np.save(tmp_path / "expected.npy", clf.predict_proba(X, tasks=tasks))
    script = f"""
import importlib.abc, sys

class NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] == "torch":
            raise ImportError("torch is blocked in this process")

sys.meta_path.insert(0, NoTorch())  # any import of torch now fails
import pickle, numpy as np
clf = pickle.loads(open({str(tmp_path / "model.pkl")!r}, "rb").read())
proba = clf.predict_proba(np.load({str(tmp_path / "X.npy")!r}), tasks=np.load({str(tmp_path / "tasks.npy")!r}))
np.testing.assert_array_equal(proba, np.load({str(tmp_path / "expected.npy")!r}))
try:
    clf.set_params(backend="torch").partial_fit(np.load({str(tmp_path / "X.npy")!r}), clf.predict(
        np.load({str(tmp_path / "X.npy")!r}), tasks=np.load({str(tmp_path / "tasks.npy")!r})),
        tasks=np.load({str(tmp_path / "tasks.npy")!r}))
except ImportError as exc:
    print(exc)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "pip install 'skmtl[torch]'" in done.stdout


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU visible to torch")
def test_cuda_backend_agrees_with_the_cpu(data):
    X, y, tasks = data
    params = dict(hidden_layer_sizes=(16, 8), max_iter=5, batch_size=32, random_state=0, backend="torch")
    cpu = _fit(X, y, tasks, device="cpu", **params)
    gpu = _fit(X, y, tasks, device="cuda", **params)
    for p, q in zip(cpu._params, gpu._params):
        np.testing.assert_allclose(p, q, rtol=1e-3, atol=1e-4)
    np.testing.assert_array_equal(cpu.predict(X, tasks=tasks), gpu.predict(X, tasks=tasks))
