"""The NumPy autograd engine: every op against central finite differences and torch."""

import numpy as np
import pytest

from skmtl.nn import _autograd as ag
from skmtl.nn._autograd import Tensor

RNG = np.random.RandomState(0)
TARGET = np.array([0, 2, 1, 2, 0])
BINARY = np.array([1, 0, 0, 1, 1])
WEIGHT = np.array([0.5, 1.0, 2.0, 1.5, 1.0])
ROWS = np.array([4, 0, 4, 2])  # with a repeat
KEEP = np.random.RandomState(3).binomial(1, 0.6, (5, 3)) / 0.6  # a dropout mask


# name -> (function of tensors giving a scalar, input shapes). Each function
# maps the op's output to a scalar through fixed random coefficients, so every
# output entry matters to the check.
def _project(t):
    coef = np.random.RandomState(t.data.size).randn(*t.shape)
    return (t * coef).sum()


CASES = {
    "add_broadcast": (lambda a, b: _project(a + b), [(5, 3), (3,)]),
    "add_stretch": (lambda a, b: _project(a + b), [(5, 3), (5, 1)]),
    "sub": (lambda a, b: _project(a - b), [(5, 3), (5, 3)]),
    "rsub": (lambda a: _project(2.0 - a), [(4,)]),
    "mul_broadcast": (lambda a, b: _project(a * b), [(5, 3), (1, 3)]),
    "neg": (lambda a: _project(-a), [(5, 3)]),
    "matmul": (lambda a, b: _project(a @ b), [(5, 3), (3, 4)]),
    "linear": (lambda x, w, b: _project(ag.linear(x, w, b)), [(5, 3), (3, 4), (4,)]),
    "linear_relu": (lambda x, w, b: _project(ag.linear(x, w, b, "relu")), [(5, 3), (3, 4), (4,)]),
    "linear_tanh": (lambda x, w, b: _project(ag.linear(x, w, b, "tanh")), [(5, 3), (3, 4), (4,)]),
    "linear_logistic": (lambda x, w, b: _project(ag.linear(x, w, b, "logistic")), [(5, 3), (3, 4), (4,)]),
    "mask": (lambda a: _project(ag.mask(a, KEEP)), [(5, 3)]),
    "concat": (lambda a, b: _project(ag.concat([a, b], axis=-1)), [(2, 3, 4), (2, 3, 2)]),
    "time_step": (lambda a: _project(ag.time_step(a, 1)), [(2, 3, 4)]),
    "sum_all": (lambda a: a.sum() * 3.0, [(5, 3)]),
    "sum_axis0": (lambda a: _project(a.sum(axis=0)), [(5, 3)]),
    "sum_axis1": (lambda a: _project(a.sum(axis=1)), [(5, 3)]),
    "mean": (lambda a: _project(a.mean(axis=0)), [(5, 3)]),
    "relu": (lambda a: _project(ag.relu(a)), [(5, 3)]),
    "tanh": (lambda a: _project(ag.tanh(a)), [(5, 3)]),
    "logistic": (lambda a: _project(ag.logistic(a)), [(5, 3)]),
    "take_rows": (lambda a: _project(ag.take_rows(a, ROWS)), [(5, 3)]),
    "take_mask": (lambda a: _project(ag.take_rows(a, np.array([True, False, True, True, False]))), [(5, 3)]),
    "dropout": (lambda a: _project(ag.dropout(a, 0.4, np.random.RandomState(1))), [(5, 3)]),
    "sum_squares": (lambda a: ag.sum_squares(a), [(5, 3)]),
    "softmax_ce": (lambda a: ag.softmax_cross_entropy(a, TARGET), [(5, 3)]),
    "softmax_ce_weighted": (lambda a: ag.softmax_cross_entropy(a, TARGET, WEIGHT), [(5, 3)]),
    "sigmoid_bce": (lambda a: ag.sigmoid_binary_cross_entropy(a, BINARY), [(5,)]),
    "sigmoid_bce_column": (lambda a: ag.sigmoid_binary_cross_entropy(a, BINARY, WEIGHT), [(5, 1)]),
    "reuse": (lambda a: _project(a * a + ag.tanh(a)), [(5, 3)]),
    "mlp": (lambda x, w, b: ag.softmax_cross_entropy(ag.relu(x @ w + b), TARGET), [(5, 4), (4, 3), (3,)]),
}


def _inputs(shapes):
    # Keep relu inputs away from its kink, where finite differences break.
    arrays = [RNG.randn(*shape) for shape in shapes]
    return [np.where(np.abs(a) < 0.05, 0.3, a) for a in arrays]


def _gradients(f, arrays):
    tensors = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    loss = f(*tensors)
    loss.backward()
    return float(loss.data), [t.grad for t in tensors]


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_central_differences(name):
    f, shapes = CASES[name]
    arrays = _inputs(shapes)
    _, grads = _gradients(f, arrays)
    eps = 1e-6
    for k, array in enumerate(arrays):
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            for sign in (1, -1):
                moved = [a.copy() for a in arrays]
                moved[k][index] += sign * eps
                numeric[index] += sign * float(f(*map(Tensor, moved)).data) / (2 * eps)
        np.testing.assert_allclose(grads[k], numeric, rtol=1e-6, atol=1e-8, err_msg=f"input {k}")


# Dropout draws its mask from NumPy's generator, which torch cannot replay:
# its gradient is checked by finite differences only.
@pytest.mark.parametrize("name", sorted(set(CASES) - {"dropout"}))
def test_gradient_matches_torch_autograd(name):
    torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch)")
    f, shapes = CASES[name]
    arrays = _inputs(shapes)
    loss, grads = _gradients(f, arrays)
    reference = [torch.tensor(a, requires_grad=True) for a in arrays]
    torch_loss = _torch_version(name, torch)(*reference)
    torch_loss.backward()
    assert loss == pytest.approx(torch_loss.item(), rel=1e-10)
    for mine, theirs in zip(grads, reference):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def _torch_version(name, torch):
    F = torch.nn.functional

    def project(t):
        coef = torch.tensor(np.random.RandomState(t.numel()).randn(*t.shape))
        return (t * coef).sum()

    target, binary, weight = torch.tensor(TARGET), torch.tensor(BINARY, dtype=torch.float64), torch.tensor(WEIGHT)
    mask = torch.tensor([True, False, True, True, False])
    return {
        "add_broadcast": lambda a, b: project(a + b),
        "add_stretch": lambda a, b: project(a + b),
        "sub": lambda a, b: project(a - b),
        "rsub": lambda a: project(2.0 - a),
        "mul_broadcast": lambda a, b: project(a * b),
        "neg": lambda a: project(-a),
        "matmul": lambda a, b: project(a @ b),
        "sum_all": lambda a: a.sum() * 3.0,
        "sum_axis0": lambda a: project(a.sum(0)),
        "sum_axis1": lambda a: project(a.sum(1)),
        "mean": lambda a: project(a.mean(0)),
        "relu": lambda a: project(torch.relu(a)),
        "tanh": lambda a: project(torch.tanh(a)),
        "logistic": lambda a: project(torch.sigmoid(a)),
        "take_rows": lambda a: project(a[torch.tensor(ROWS)]),
        "take_mask": lambda a: project(a[mask]),
        "sum_squares": lambda a: (a * a).sum(),
        "softmax_ce": lambda a: F.cross_entropy(a, target, reduction="sum"),
        "softmax_ce_weighted": lambda a: (F.cross_entropy(a, target, reduction="none") * weight).sum(),
        "sigmoid_bce": lambda a: F.binary_cross_entropy_with_logits(a, binary, reduction="sum"),
        "sigmoid_bce_column": lambda a: (
            F.binary_cross_entropy_with_logits(a.reshape(-1), binary, reduction="none") * weight
        ).sum(),
        "linear_relu": lambda x, w, b: project(torch.relu(x @ w + b)),
        "linear_tanh": lambda x, w, b: project(torch.tanh(x @ w + b)),
        "linear_logistic": lambda x, w, b: project(torch.sigmoid(x @ w + b)),
        "concat": lambda a, b: project(torch.cat([a, b], dim=-1)),
        "time_step": lambda a: project(a[:, 1]),
        "mask": lambda a: project(a * torch.tensor(KEEP)),
        "linear": lambda x, w, b: project(x @ w + b),
        "reuse": lambda a: project(a * a + torch.tanh(a)),
        "mlp": lambda x, w, b: F.cross_entropy(torch.relu(x @ w + b), target, reduction="sum"),
    }[name]


def test_gradients_accumulate_over_backward_calls_and_uses():
    w = Tensor(np.array([2.0]), requires_grad=True)
    (w * 3.0).sum().backward()
    (w * w).sum().backward()
    np.testing.assert_allclose(w.grad, [3.0 + 4.0])


def test_backward_runs_again_from_the_same_root_with_another_seed():
    # One trunk, several seeds: the per-task gradients of gradient surgery.
    w = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    z = ag.tanh(Tensor(np.eye(2)) @ w)
    seeds = [np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([[0.0, 0.0], [0.0, 1.0]])]
    rows = []
    for seed in seeds:
        w.grad = None
        z.backward(seed)
        rows.append(w.grad)
    np.testing.assert_allclose(rows[0] + rows[1], (1 - np.tanh(w.data) ** 2) * np.eye(2))


def test_constants_get_no_gradient_and_float32_stays_float32():
    x = Tensor(np.ones((4, 3), np.float32))
    w = Tensor(np.full((3, 2), 0.5, np.float32), requires_grad=True)
    loss = ag.softmax_cross_entropy(ag.tanh(x @ w * 0.5 + 1.0), np.array([0, 1, 0, 1]))
    loss.backward()
    assert x.grad is None and w.grad.dtype == np.float32


def test_a_deep_graph_needs_no_recursion():
    x = Tensor(np.array([1.0]), requires_grad=True)
    y = x
    for _ in range(20000):
        y = y * 1.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0])


def test_fused_losses_are_stable_for_large_logits():
    big = Tensor(np.array([[1000.0, -1000.0], [-1000.0, 1000.0]]), requires_grad=True)
    loss = ag.softmax_cross_entropy(big, np.array([0, 0]))
    loss.backward()
    assert np.isfinite(loss.data) and loss.data == pytest.approx(2000.0)
    z = Tensor(np.array([800.0, -800.0]), requires_grad=True)
    bce = ag.sigmoid_binary_cross_entropy(z, np.array([0, 1]))
    bce.backward()
    assert bce.data == pytest.approx(1600.0) and np.allclose(z.grad, [1, -1])
