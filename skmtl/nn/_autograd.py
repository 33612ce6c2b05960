"""A small tensor-level reverse-mode autodiff engine on NumPy.

One graph node per array operation: each op computes its output and returns
a :class:`Tensor` that remembers its parents and a closure that, given the
gradient of the output, accumulates the gradients of the parents. Heavy
compound steps (softmax + cross-entropy, sigmoid + binary cross-entropy,
squared error) are single fused nodes, because a node per small op makes Python overhead
dominate. The engine knows nothing of scikit-learn.

Gradients are accumulated (``+=``), never overwritten, so a tensor used
twice gets the sum of both uses; :meth:`Tensor.backward` visits nodes in a
topological order found iteratively (no recursion limit on deep graphs).
Arrays keep their dtype: float32 by default in the estimators, float64 for
gradient checks. Python scalars are used as scalars (``x * 0.5``), never as
``np.float64``, so float32 stays float32 under NumPy 2 promotion rules.
"""

from __future__ import annotations

import itertools

import numpy as np

_created = itertools.count()  # creation index of graph nodes: a topological order


class Tensor:
    """An array in the graph, with the gradient of the final scalar.

    Parameters
    ----------
    data : ndarray
        The value.
    requires_grad : bool, default=False
        Whether to compute ``grad`` for this tensor (True for parameters).

    Examples
    --------
    >>> import numpy as np
    >>> w = Tensor(np.array([[1.0, 2.0]]), requires_grad=True)
    >>> x = Tensor(np.array([[3.0], [4.0]]))
    >>> loss = (w @ x).sum()
    >>> loss.backward()
    >>> w.grad
    array([[3., 4.]])
    """

    __slots__ = ("data", "grad", "requires_grad", "_parents", "_backward", "_index")

    def __init__(self, data, requires_grad=False, _parents=(), _backward=None):
        self.data = data
        self.grad = None
        self.requires_grad = requires_grad
        self._parents = _parents
        self._backward = _backward
        self._index = next(_created) if _backward is not None else -1

    @property
    def shape(self):
        return np.shape(self.data)

    def __repr__(self):
        return f"Tensor({self.data!r}, requires_grad={self.requires_grad})"

    def backward(self, grad=None):
        """Accumulate d(self)/d(t) into ``t.grad`` for every tensor ``t`` that requires it.

        ``self`` is usually a scalar loss (seed gradient 1); pass ``grad`` to
        seed another shape. Only leaves (tensors made with
        ``requires_grad=True``) keep their gradients afterwards.
        """
        if grad is None:
            grad = np.ones_like(self.data)
        order = _topological_order(self)
        self.grad = grad if self.grad is None else self.grad + grad
        for node in reversed(order):
            if node._backward is not None and node.grad is not None:
                node._backward(node.grad)
                # Free as we go (as torch does for non-leaf tensors): memory is
                # released early, and backward can run again from the same root
                # with another seed (one sweep per task for gradient surgery).
                node.grad = None

    # Operators build graph nodes through the functions below.
    def __add__(self, other):
        return add(self, other)

    __radd__ = __add__

    def __sub__(self, other):
        return add(self, neg(_as_tensor(other)))

    def __rsub__(self, other):
        return add(_as_tensor(other), neg(self))

    def __mul__(self, other):
        return mul(self, other)

    __rmul__ = __mul__

    def __neg__(self):
        return neg(self)

    def __matmul__(self, other):
        return matmul(self, other)

    def sum(self, axis=None):
        return sum_(self, axis)

    def mean(self, axis=None):
        n = self.data.size if axis is None else self.data.shape[axis]
        return sum_(self, axis) * (1.0 / n)


def _topological_order(root):
    """The interior nodes that lead to ``root``, parents before children.

    Every node is created after its parents, so creation order is a
    topological order: collect the nodes, then sort them by it.
    """
    found, stack = {id(root): root}, [root]
    while stack:
        for parent in stack.pop()._parents:
            if parent._backward is not None and id(parent) not in found:
                found[id(parent)] = parent
                stack.append(parent)
    return sorted(found.values(), key=_creation_index)


def _creation_index(node):
    return node._index


def _as_tensor(value):
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (int, float)):
        return Tensor(float(value))  # a Python scalar keeps float32 float32
    return Tensor(np.asarray(value))


def _accumulate(tensor, grad):
    # Gradient arrays may be shared between tensors (add hands the same one to
    # both parents), so they are never modified in place, here or by callers.
    if not tensor.requires_grad:
        return
    tensor.grad = grad if tensor.grad is None else tensor.grad + grad


def _unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched to reach it."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def _node(data, parents, backward):
    """A result tensor; it needs gradients when any parent does."""
    needs = False
    for parent in parents:  # a plain loop: cheaper than any() on a generator
        if parent.requires_grad:
            needs = True
            break
    return Tensor(data, needs, parents if needs else (), backward if needs else None)


# ---------------------------------------------------------------- elementwise


def add(a, b):
    """``a + b`` with broadcasting."""
    a, b = _as_tensor(a), _as_tensor(b)

    def backward(grad):
        _accumulate(a, _unbroadcast(grad, a.shape))
        _accumulate(b, _unbroadcast(grad, b.shape))

    return _node(a.data + b.data, (a, b), backward)


def neg(a):
    """``-a``."""

    def backward(grad):
        _accumulate(a, -grad)

    return _node(-a.data, (a,), backward)


def mul(a, b):
    """``a * b`` with broadcasting."""
    a, b = _as_tensor(a), _as_tensor(b)

    def backward(grad):
        if a.requires_grad:
            _accumulate(a, _unbroadcast(grad * b.data, a.shape))
        if b.requires_grad:
            _accumulate(b, _unbroadcast(grad * a.data, b.shape))

    return _node(a.data * b.data, (a, b), backward)


# Activations as (forward, derivative from the output) pairs, so a dense layer
# can apply one inside its own node.
_ACTIVATIONS = {
    "identity": (None, None),
    "relu": (lambda z: np.maximum(z, 0), lambda out: out > 0),
    "tanh": (np.tanh, lambda out: 1 - out * out),
    "logistic": (lambda z: _sigmoid(z), lambda out: out * (1 - out)),
}


def activation(name, a):
    """The activation ``name`` ('identity', 'relu', 'tanh', 'logistic') of ``a``."""
    forward, derivative = _ACTIVATIONS[name]
    if forward is None:
        return a
    out = forward(a.data)

    def backward(grad):
        _accumulate(a, grad * derivative(out))

    return _node(out, (a,), backward)


def relu(a):
    """``max(a, 0)``."""
    return activation("relu", a)


def tanh(a):
    """Hyperbolic tangent."""
    return activation("tanh", a)


def logistic(a):
    """The logistic sigmoid ``1 / (1 + exp(-a))``."""
    return activation("logistic", a)


def identity(a):
    """``a`` itself (the 'identity' activation)."""
    return a


def _sigmoid(z):
    # exp of a non-positive number only: no overflow for large |z|.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype, copy=False)


# ------------------------------------------------------------------ structure


def matmul(a, b):
    """Matrix product of 2-D tensors."""
    a, b = _as_tensor(a), _as_tensor(b)

    def backward(grad):
        if a.requires_grad:
            _accumulate(a, grad @ b.data.T)
        if b.requires_grad:
            _accumulate(b, a.data.T @ grad)

    return _node(a.data @ b.data, (a, b), backward)


def linear(x, weight, bias, activation="identity"):
    """The dense layer ``act(x @ weight + bias)`` as one node (weight of shape (fan_in, fan_out)).

    One node instead of three: with small layers, per-node overhead is what costs.
    """
    forward, derivative = _ACTIVATIONS[activation]
    out = x.data @ weight.data
    out += bias.data
    if forward is not None:
        out = forward(out)

    def backward(grad):
        if derivative is not None:
            grad = grad * derivative(out)
        if x.requires_grad:
            _accumulate(x, grad @ weight.data.T)
        if weight.requires_grad:
            _accumulate(weight, x.data.T @ grad)
        if bias.requires_grad:
            _accumulate(bias, grad.sum(axis=0))

    return _node(out, (x, weight, bias), backward)


def sum_(a, axis=None):
    """Sum over ``axis`` (all axes when None)."""

    def backward(grad):
        if axis is not None:
            grad = np.expand_dims(grad, axis)
        _accumulate(a, np.broadcast_to(grad, a.shape).copy())

    return _node(np.asarray(a.data.sum(axis=axis)), (a,), backward)


def concat(tensors, axis=-1):
    """Tensors joined along ``axis`` (the two directions of a recurrent layer)."""
    bounds = np.cumsum([0] + [t.data.shape[axis] for t in tensors])

    def backward(grad):
        for tensor, start, stop in zip(tensors, bounds[:-1], bounds[1:]):
            index = [slice(None)] * grad.ndim
            index[axis] = slice(start, stop)
            _accumulate(tensor, grad[tuple(index)])

    return _node(np.concatenate([t.data for t in tensors], axis=axis), tuple(tensors), backward)


def time_step(a, t):
    """``a[:, t]``: the state of a sequence tensor (n, T, H) at step ``t``."""

    def backward(grad):
        full = np.zeros_like(a.data)
        full[:, t] = grad
        _accumulate(a, full)

    return _node(a.data[:, t], (a,), backward)


def take_rows(a, rows):
    """Rows ``rows`` (integer indices or a boolean mask) of a tensor."""
    repeats = rows.dtype != bool and len(np.unique(rows)) != len(rows)

    def backward(grad):
        full = np.zeros_like(a.data)
        if repeats:
            np.add.at(full, rows, grad)
        else:
            full[rows] = grad
        _accumulate(a, full)

    return _node(a.data[rows], (a,), backward)


def dropout_mask(shape, rate, rng, dtype):
    """Inverted-dropout multipliers: 0 with probability ``rate``, else ``1 / (1 - rate)``.

    Drawn apart from the graph so that both backends can apply the same masks.
    """
    return (rng.random_sample(shape) >= rate).astype(dtype) * (1 / (1 - rate))


def dropout(a, rate, rng):
    """Zero each entry with probability ``rate`` and scale the rest by ``1 / (1 - rate)``."""
    if rate == 0:
        return a
    return mask(a, dropout_mask(a.shape, rate, rng, a.data.dtype))


def mask(a, keep):
    """``a * keep`` for a constant array ``keep`` (a dropout mask)."""

    def backward(grad):
        _accumulate(a, grad * keep)

    return _node(a.data * keep, (a,), backward)


def sum_squares(a):
    """``sum(a ** 2)`` (the L2 penalty)."""

    def backward(grad):
        _accumulate(a, a.data * (2 * grad))

    return _node(np.asarray(np.vdot(a.data, a.data)), (a,), backward)


# ------------------------------------------------------------- fused losses


def softmax_cross_entropy(logits, target, weight=None):
    """Summed (weighted) cross-entropy of softmax(logits) against class indices.

    One fused node: the backward pass is ``softmax - onehot``, exact and
    cheaper than differentiating softmax and log separately.

    Parameters
    ----------
    logits : Tensor of shape (n, k)
    target : ndarray of int, shape (n,)
    weight : ndarray of shape (n,), default=None
        Per-row weights (sample and class weights).

    Returns
    -------
    Tensor
        Scalar ``sum_i weight_i * -log softmax(logits_i)[target_i]``.
    """
    z = logits.data - logits.data.max(axis=1, keepdims=True)
    e = np.exp(z)
    norm = e.sum(axis=1, keepdims=True)
    rows = np.arange(len(target))
    losses = np.log(norm[:, 0]) - z[rows, target]
    if weight is not None:
        losses = losses * weight

    def backward(grad):
        g = e / norm
        g[rows, target] -= 1
        if weight is not None:
            g *= weight[:, None]
        _accumulate(logits, g * grad)

    return _node(np.asarray(losses.sum()), (logits,), backward)


def sigmoid_binary_cross_entropy(logits, target, weight=None):
    """Summed (weighted) binary cross-entropy of sigmoid(logits) against 0/1 targets.

    Fused and stable: ``log(1 + exp(-|z|)) + max(z, 0) - z * t``, gradient
    ``sigmoid(z) - t``.

    Parameters
    ----------
    logits : Tensor of shape (n,) or (n, 1)
    target : ndarray of shape (n,) with values in {0, 1}
    weight : ndarray of shape (n,), default=None

    Returns
    -------
    Tensor
        Scalar loss.
    """
    z = logits.data.reshape(-1)
    t = target.astype(z.dtype, copy=False)
    losses = np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0) - z * t
    if weight is not None:
        losses = losses * weight

    def backward(grad):
        g = _sigmoid(z) - t
        if weight is not None:
            g = g * weight
        _accumulate(logits, (g * grad).reshape(logits.shape))

    return _node(np.asarray(losses.sum()), (logits,), backward)


def squared_error(outputs, target, weight=None):
    """Half the summed (weighted) squared error of one output per row against real targets.

    One fused node, as the cross-entropies: the loss is
    ``0.5 * sum_i weight_i (f_i - y_i)^2`` and its backward pass
    ``weight_i (f_i - y_i)``, ``MLPRegressor``'s output delta (identity
    output and squared error are a canonical pair, as softmax and
    cross-entropy are). Divided by the summed weights it is
    ``sklearn.neural_network._base.squared_loss``.

    Parameters
    ----------
    outputs : Tensor of shape (n,) or (n, 1)
    target : ndarray of shape (n,)
        In the outputs' dtype (a float64 target would make the gradient float64).
    weight : ndarray of shape (n,), default=None

    Returns
    -------
    Tensor
        Scalar loss.

    Examples
    --------
    >>> f = Tensor(np.array([[1.0], [3.0]]), requires_grad=True)
    >>> loss = squared_error(f, np.array([0.0, 1.0]), np.array([1.0, 0.5]))
    >>> float(loss.data)
    1.5
    >>> loss.backward()
    >>> f.grad
    array([[1.],
           [1.]])
    """
    residual = outputs.data.reshape(-1) - target
    weighted = residual if weight is None else residual * weight

    def backward(grad):
        _accumulate(outputs, (weighted * grad).reshape(outputs.shape))

    return _node(np.asarray(0.5 * np.dot(weighted, residual)), (outputs,), backward)
