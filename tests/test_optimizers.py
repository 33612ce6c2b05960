"""The optimizers follow torch.optim's update rules step for step."""

import numpy as np
import pytest

from skmtl.nn._optimizers import SGD, Adam


def _run(make_ours, make_theirs, dtype, steps=25):
    torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch)")
    rng = np.random.RandomState(0)
    start = [rng.randn(4, 3).astype(dtype), rng.randn(3).astype(dtype)]
    grads = [[rng.randn(*p.shape).astype(dtype) for p in start] for _ in range(steps)]
    for step in grads[::3]:  # a head whose task is absent from the batch: skipped
        step[1] = None
    ours = [p.copy() for p in start]
    optimizer = make_ours(ours)
    theirs = [torch.tensor(p.copy(), requires_grad=True) for p in start]
    reference = make_theirs(torch, theirs)
    for step in grads:
        optimizer.step(step)
        for p, g in zip(theirs, step):
            p.grad = None if g is None else torch.tensor(g)
        reference.step()
    return ours, [p.detach().numpy() for p in theirs]


CASES = {
    "sgd": (lambda p: SGD(p, lr=0.1), lambda t, p: t.optim.SGD(p, lr=0.1)),
    "momentum": (lambda p: SGD(p, lr=0.05, momentum=0.9), lambda t, p: t.optim.SGD(p, lr=0.05, momentum=0.9)),
    "nesterov": (
        lambda p: SGD(p, lr=0.05, momentum=0.9, nesterov=True),
        lambda t, p: t.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    ),
    "adam": (lambda p: Adam(p, lr=0.01), lambda t, p: t.optim.Adam(p, lr=0.01, foreach=False)),
    "adam_betas": (
        lambda p: Adam(p, lr=0.003, beta_1=0.8, beta_2=0.99, epsilon=1e-6),
        lambda t, p: t.optim.Adam(p, lr=0.003, betas=(0.8, 0.99), eps=1e-6, foreach=False),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_updates_match_torch_optim(name, dtype, rtol):
    ours, theirs = _run(*CASES[name], dtype)
    for a, b in zip(ours, theirs):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)


def test_sgd_momentum_is_mlpclassifiers_velocity_rule():
    rng = np.random.RandomState(1)
    grads = [rng.randn(3) for _ in range(10)]
    param, velocity, reference = np.zeros(3), np.zeros(3), np.zeros(3)
    optimizer = SGD([param], lr=0.1, momentum=0.9)
    for g in grads:
        optimizer.step([g])
        velocity = 0.9 * velocity - 0.1 * g  # sklearn's SGDOptimizer
        reference += velocity
    np.testing.assert_allclose(param, reference)


@pytest.mark.parametrize("make", [
    lambda p, **kw: SGD(p, lr=0.05, momentum=0.9, nesterov=True, **kw),
    lambda p, **kw: Adam(p, lr=0.01, **kw),
], ids=["sgd", "adam"])
def test_a_flat_buffer_steps_as_separate_parameters(make):
    """Parameters as views of one array (in another order), located by the offsets given."""
    rng = np.random.RandomState(0)
    shapes = [(3, 4), (4,), (4, 2), (2,)]
    separate = [rng.randn(*s) for s in shapes]
    order = [2, 0, 3, 1]  # weights first, as the estimators lay them out
    flat = np.concatenate([separate[k].ravel() for k in order])
    views, offsets, at = [None] * 4, [0] * 4, 0
    for k in order:
        views[k], offsets[k] = flat[at : at + separate[k].size].reshape(shapes[k]), at
        at += separate[k].size
    decayed = [True, False, True, False]
    one, other = make(separate, decayed=decayed), make(views, flat=flat, decayed=decayed, offsets=offsets)
    for _ in range(5):
        grads = [rng.randn(*s) for s in shapes]
        one.step([g.copy() for g in grads], l2=0.1)
        other.step([g.copy() for g in grads], l2=0.1)
    for a, b in zip(separate, views):
        np.testing.assert_allclose(b, a, rtol=1e-12)
    with pytest.raises(ValueError, match="flat= needs offsets="):
        make(views, flat=flat)
