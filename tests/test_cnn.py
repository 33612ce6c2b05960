"""SharedCNNClassifier: inputs, backends against each other, weights PyTorch can load, bad inputs."""

import importlib.util
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from skmtl import SharedCNNClassifier
from skmtl.nn._autograd import Tensor
from skmtl.nn._numpy_backend import NumpyOps

needs_torch = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None, reason="backend='torch' needs PyTorch (pip install torch)"
)
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SMALL = dict(conv_layers=[(3, 3)], hidden_layer_sizes=(8,), max_iter=3, random_state=0)


@pytest.fixture
def images():
    """Two tasks on 9 x 7 two-channel images: which half is brighter, in each channel."""
    rng = np.random.RandomState(0)
    X = rng.rand(80, 9, 7, 2)
    Y = np.column_stack([
        X[:, :4, :, 0].mean((1, 2)) > X[:, 5:, :, 0].mean((1, 2)),
        X[:, :, :3, 1].mean((1, 2)) > X[:, :, 4:, 1].mean((1, 2)),
    ]).astype(int)
    return X, Y


def test_every_input_form_is_the_same_model(images):
    X, Y = images
    rows, codes = np.nonzero(np.ones_like(Y))
    tasks = codes
    channels_last = SharedCNNClassifier(**SMALL).fit(X[rows], Y[rows, codes], tasks=tasks)
    flat = SharedCNNClassifier(**SMALL, image_shape=(9, 7, 2)).fit(X[rows].reshape(len(rows), -1), Y[rows, codes], tasks=tasks)
    for p, q in zip(channels_last._params, flat._params):
        np.testing.assert_array_equal(p, q)
    frame = pd.DataFrame(X[rows].reshape(len(rows), -1))
    frame.columns = [f"p{k}" for k in frame.columns]
    frame["task"] = tasks
    by_column = SharedCNNClassifier(**SMALL, image_shape=(9, 7, 2), task_column="task").fit(frame, Y[rows, codes])
    for p, q in zip(channels_last._params, by_column._params):
        np.testing.assert_array_equal(p, q)
    assert channels_last.image_shape_ == (9, 7, 2)
    one_channel = SharedCNNClassifier(**SMALL).fit(X[..., 0], Y)  # (n, H, W), a wide y
    assert one_channel.predict(X[:5, :, :, 0]).shape == (5, 2)


@needs_torch
@pytest.mark.parametrize("options", [{}, {"conv_groups": 2, "padding": "same"}, {"dropout": 0.2, "pool_size": None}])
def test_the_backends_agree(images, options):
    X, Y = images
    settings = dict(SMALL, dtype="float64", max_iter=4, **options)
    numpy = SharedCNNClassifier(**settings).fit(X, Y)
    torch = SharedCNNClassifier(**settings, backend="torch", device="cpu").fit(X, Y)
    for p, q in zip(numpy._params, torch._params):
        np.testing.assert_allclose(p, q, rtol=1e-9, atol=1e-11)
    np.testing.assert_array_equal(numpy.predict(X), torch.predict(X))
    settings["dtype"] = "float32"
    numpy = SharedCNNClassifier(**settings).fit(X, Y)
    torch = SharedCNNClassifier(**settings, backend="torch", device="cpu").fit(X, Y)
    for p, q in zip(numpy._params, torch._params):
        np.testing.assert_allclose(p, q, rtol=1e-4, atol=1e-5)


@needs_torch
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # torch's note on its own speed
def test_a_torch_sequential_of_the_same_layers_loads_the_trunk(images):
    import torch

    X, Y = images
    model = SharedCNNClassifier(conv_layers=[(4, 3), (5, (2, 3))], conv_groups=2, padding="same",
                                hidden_layer_sizes=(16, 8), max_iter=2, random_state=0).fit(X, Y)
    layers, _ = model._network.trunk.torch_layer_names()
    trunk = model._network.trunk
    modules = []
    for kind, *index in layers:
        if kind == "conv":
            out, (channels, _, _) = trunk.shapes[index[0] + 1][0], trunk.shapes[index[0]]
            modules.append(torch.nn.Conv2d(channels, out, trunk.conv_layers[index[0]][1], padding="same", groups=2))
        elif kind == "activation":
            modules.append(torch.nn.ReLU())
        elif kind == "pool":
            modules.append(torch.nn.MaxPool2d(2))
        elif kind == "flatten":
            modules.append(torch.nn.Flatten())
        else:
            modules.append(torch.nn.Linear(trunk.sizes[index[0]], trunk.sizes[index[0] + 1]))
    sequential = torch.nn.Sequential(*modules).double()
    sequential.load_state_dict({k: torch.tensor(v, dtype=torch.float64) for k, v in model.trunk_state_dict_.items()})
    images_nchw = np.ascontiguousarray(X.transpose(0, 3, 1, 2))
    params = [Tensor(p.astype(np.float64)) for p in model._params]
    ours = model._network.forward_trunk(NumpyOps, params, Tensor(images_nchw)).data
    theirs = sequential(torch.tensor(images_nchw)).detach().numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_pickle_and_clone(images):
    X, Y = images
    model = SharedCNNClassifier(**SMALL).fit(X, Y)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    assert [p.shape for p in restored.predict_proba(X[:3])] == [(3, 2), (3, 2)]


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda X, Y: (SharedCNNClassifier(**{**SMALL, "conv_layers": [(3, 11)]}), X, Y), "smaller than its 11x11 kernel"),
        (lambda X, Y: (SharedCNNClassifier(**SMALL, image_shape=(5, 5)), X.reshape(80, -1), Y), "image_shape=.5, 5. holds 25 values"),
        (lambda X, Y: (SharedCNNClassifier(**SMALL, conv_groups=3), X, Y), "conv_groups=3 must divide the 2 channels"),
        (lambda X, Y: (SharedCNNClassifier(**{**SMALL, "conv_layers": [(0, 3)]}), X, Y), "conv_layers must be"),
        (lambda X, Y: (SharedCNNClassifier(**{**SMALL, "conv_layers": 3}), X, Y), "conv_layers"),
        (lambda X, Y: (SharedCNNClassifier(**SMALL, pool_size=(0, 2)), X, Y), "pool_size"),
        (lambda X, Y: (SharedCNNClassifier(**SMALL), np.where(np.arange(X.size).reshape(X.shape) == 7, np.nan, X), Y), r"X.*NaN"),
        (lambda X, Y: (SharedCNNClassifier(**SMALL), X[..., None], Y), "Found array with dim 5|dim"),
        (lambda X, Y: (SharedCNNClassifier(**SMALL, task_column=0), X, Y), "task_column reads a column"),
    ],
    ids=["kernel", "image_shape", "groups", "filters", "conv_layers", "pool", "nan", "5d", "task_column"],
)
def test_bad_inputs_are_named(images, make, match):
    X, Y = images
    model, X, Y = make(X, Y)
    with pytest.raises(ValueError, match=match):
        model.fit(X, Y)


def test_predicting_images_of_another_shape_is_refused(images):
    X, Y = images
    model = SharedCNNClassifier(**SMALL).fit(X, Y)
    with pytest.raises(ValueError, match=r"images of shape \(9, 7, 1\).*fitted on \(9, 7, 2\)"):
        model.predict(X[..., :1])


@needs_torch
def test_a_torch_trained_model_predicts_where_torch_cannot_be_imported(images, tmp_path):
    X, Y = images
    model = SharedCNNClassifier(**SMALL, backend="torch", device="cpu").fit(X, Y)
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(model))
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "expected.npy", model.predict(X))
    script = f"""
import importlib.abc, sys

class NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] == "torch":
            raise ImportError("torch is blocked in this process")

sys.meta_path.insert(0, NoTorch())
import pickle, numpy as np
model = pickle.loads(open({str(tmp_path / "model.pkl")!r}, "rb").read())
np.testing.assert_array_equal(model.predict(np.load({str(tmp_path / "X.npy")!r})), np.load({str(tmp_path / "expected.npy")!r}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_training_options_of_the_shared_loop_run_on_images(images):
    X, Y = images
    Y = Y.astype(float)
    Y[::5, 1] = np.nan
    stopped = SharedCNNClassifier(**{**SMALL, "max_iter": 20}, early_stopping=True, gradient_method="pcgrad",
                                  loss_weighting="gradnorm", dropout=0.1, task_hidden_layer_sizes=(4,)).fit(X, Y)
    assert len(stopped.validation_scores_) == stopped.n_iter_
    online = SharedCNNClassifier(**SMALL)
    online.partial_fit(X[:40], Y[:40], classes=[[0.0, 1.0], [0.0, 1.0]])
    online.partial_fit(X[40:], Y[40:])
    assert online.t_ == 80 and online.predict(X).shape == (80, 2)
    warm = SharedCNNClassifier(**SMALL, warm_start=True).fit(X, Y).fit(X, Y)
    assert warm.t_ == 2 * 3 * 80
