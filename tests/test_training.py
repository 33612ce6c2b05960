"""The NumPy backend's training step: its gradients against finite differences."""

import numpy as np
import pytest

from skmtl.nn._network import DenseTrunk, SharedNetwork
from skmtl.nn._numpy_backend import NumpyBackend
from skmtl.nn._training import TrainingSet, make_batch


class _Capture:
    """An optimizer that records the gradients instead of stepping."""

    def step(self, grads, l2=0.0):
        self.grads = [None if g is None else g.copy() for g in grads]

    def decayed_norm2(self):
        return 0.0


def _problem(seed=0):
    rng = np.random.RandomState(seed)
    network = SharedNetwork(DenseTrunk(4, (5, 3), "tanh"), (2,), [1, 3], "tanh", 0.0)
    params = network.init(rng, np.float64)
    n = 12
    codes = np.repeat([0, 1], n // 2)
    y = np.where(codes == 0, rng.randint(0, 2, n), rng.randint(0, 3, n))
    data = TrainingSet(rng.randn(n, 4), codes, y, rng.uniform(0.5, 2, n), np.ones(n))
    backend = NumpyBackend(network, params, _Capture())
    backend.load(data.X, data.y, data.weight)
    batch = make_batch(data, rng.permutation(n), 2, ((), ()))
    return network, params, data, backend, batch


def _objective(network, params, data, coefficients):
    """sum_t coefficient_t * (weighted mean loss of task t), computed directly."""
    from skmtl.nn._numpy_backend import NumpyOps
    from skmtl.nn._autograd import Tensor

    total = 0.0
    z = network.forward_trunk(NumpyOps, [Tensor(p) for p in params], Tensor(data.X)).data
    for t in range(2):
        rows = data.codes == t
        logits = network.forward_head(NumpyOps, [Tensor(p) for p in params], t, Tensor(z[rows])).data
        target, weight = data.y[rows], data.weight[rows]
        if logits.shape[1] == 1:
            p = 1 / (1 + np.exp(-logits[:, 0]))
            losses = -(target * np.log(p) + (1 - target) * np.log(1 - p))
        else:
            log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
            losses = -log_p[np.arange(len(target)), target]
        total += coefficients[t] * (weight * losses).sum() / weight.sum()
    return total


@pytest.mark.parametrize("path", ["one sweep", "cut at the trunk", "jacobian"])
def test_training_step_gradient_matches_finite_differences(path):
    network, params, data, backend, batch = _problem()
    head, trunk = np.array([0.7, 1.9]), np.array([0.7, 1.9])
    if path == "one sweep":
        backend.forward(batch, head)
    else:
        backend.forward(batch)
        if path == "jacobian":
            backend.gramian(batch)
    backend.step(batch, head, trunk, 0.0)
    grads = backend.optimizer.grads
    eps = 1e-6
    for k, param in enumerate(params):
        numeric = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            old = param[index]
            param[index] = old + eps
            up = _objective(network, params, data, head)
            param[index] = old - eps
            down = _objective(network, params, data, head)
            param[index] = old
            numeric[index] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grads[k], numeric, rtol=1e-6, atol=1e-9, err_msg=f"parameter {k}")


def test_gramian_is_the_inner_products_of_the_task_trunk_gradients():
    network, params, data, backend, batch = _problem(1)
    rows = []
    for unit in ([1.0, 0.0], [0.0, 1.0]):
        backend.forward(batch)
        backend.step(batch, np.ones(2), np.array(unit), 0.0)
        rows.append(np.concatenate([g.ravel() for g in backend.optimizer.grads[: network.n_trunk_params]]))
    backend.forward(batch)
    gram = backend.gramian(batch)
    np.testing.assert_allclose(gram, np.array(rows) @ np.array(rows).T, rtol=1e-10)




def test_each_head_names_its_loss_and_old_pickles_get_the_classifier_losses():
    import pickle

    net = SharedNetwork(DenseTrunk(3, [4], "relu"), (), [1, 3], "relu", 0.0)
    assert net.losses == ["sigmoid_cross_entropy", "softmax_cross_entropy"]
    state = net.__dict__.copy()
    del state["losses"]  # as pickled before heads named their losses
    old = SharedNetwork.__new__(SharedNetwork)
    old.__setstate__(state)
    assert old.losses == net.losses
    assert pickle.loads(pickle.dumps(net)).losses == net.losses


def test_a_model_pickled_before_the_training_history_trains_on():
    """Fitted state from before History (its parts were estimator attributes) is rebuilt on load."""
    import pickle
    import warnings

    from skmtl import SharedMLPClassifier

    rng = np.random.RandomState(0)
    X, y, tasks = rng.randn(60, 3), np.tile([0, 1], 30), np.repeat(["a", "b"], 30)
    clf = SharedMLPClassifier((4,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y, tasks=tasks)
    state = clf.__getstate__()
    state.pop("_history")
    state.update(_initial_loss=0.7, _no_improvement_count=0, _best_params=None)
    old = SharedMLPClassifier.__new__(SharedMLPClassifier)
    old.__setstate__(state)
    old.partial_fit(X, y, tasks=tasks)
    assert len(old.loss_curve_) == 4 and old.t_ == 4 * len(y)
    assert pickle.loads(pickle.dumps(clf)).predict(X, tasks=tasks).shape == (60,)
