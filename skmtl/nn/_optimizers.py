"""SGD (momentum, Nesterov) and Adam, step for step as torch.optim.SGD / torch.optim.Adam.

Both backends must train to the same weights from the same start, so the
update rules, and the order of their floating-point operations, follow
PyTorch's single-tensor implementations. Each optimizer updates a list of
NumPy arrays in place from a list of gradients of the same shapes; like
torch, it skips a parameter whose gradient is None (the head of a task that
has no rows in the batch), and Adam counts steps per parameter.

For speed, the optimizer state lives in one flat buffer per quantity, and a
step in which every parameter has a gradient (and, for Adam, the same step
count) is a handful of NumPy operations over all parameters at once, rather
than a handful per parameter: with small networks, per-call overhead is
what costs.
"""

from __future__ import annotations

import math

import numpy as np


class _FlatState:
    """Parameters, plus state buffers that are flat arrays with one view per parameter.

    With ``flat`` (an array that the parameters are views of, parameter ``k``
    starting at ``offsets[k]``), the state buffers follow its layout, and the
    whole update is one subtraction. The offsets come from whoever built
    ``flat``: recovering them from memory addresses would go silently wrong
    the day a parameter stops being a view.
    ``decayed`` marks the parameters that get the L2 term ``l2 * param``
    added to their gradient (weights, not biases); when they fill the start
    of ``flat``, that too is one operation.
    """

    _buffers: tuple = ()

    def __init__(self, params, flat=None, decayed=None, offsets=None):
        self.params = params
        self.flat = flat
        self.decayed = [False] * len(params) if decayed is None else list(decayed)
        dtype = params[0].dtype if params else np.float64
        if flat is None:
            self._offsets = np.cumsum([0] + [p.size for p in params])[:-1].tolist()
            size = sum(p.size for p in params)
        else:
            if offsets is None or len(offsets) != len(params):
                raise ValueError("flat= needs offsets=, where each parameter starts in it.")
            self._offsets = [int(o) for o in offsets]
            size = flat.size
        ends = sorted(o + p.size for o, p, d in zip(self._offsets, params, self.decayed) if d)
        decayed_size = sum(p.size for p, d in zip(params, self.decayed) if d)
        self._decayed_prefix = flat is not None and (not ends or ends[-1] == decayed_size)
        self._decayed_size = decayed_size
        for name in ("_grad", "_work", *self._buffers):
            setattr(self, name, np.zeros(size, dtype))

    def _views(self, flat):
        return [flat[o : o + p.size].reshape(p.shape) for o, p in zip(self._offsets, self.params)]

    def _gather(self, grads, l2):
        """Copy the gradients into the flat gradient buffer, plus the L2 term."""
        for view, grad in zip(self._grad_views, grads):
            view[...] = grad
        if l2 and self._decayed_prefix:
            n = self._decayed_size
            np.multiply(self.flat[:n], l2, out=self._work[:n])
            self._grad[:n] += self._work[:n]
        elif l2:
            for view, param, decayed in zip(self._grad_views, self.params, self.decayed):
                if decayed:
                    view += l2 * param
        return self._grad

    def decayed_norm2(self):
        """Squared norm of the decayed parameters (for reporting the L2 penalty)."""
        if self._decayed_prefix:
            block = self.flat[: self._decayed_size]
            return float(np.vdot(block, block))
        return sum(float(np.vdot(p, p)) for p, d in zip(self.params, self.decayed) if d)

    def _make_views(self):
        """Per-parameter views of the flat buffers (rebuilt after unpickling)."""
        self._grad_views = self._views(self._grad)

    def _decay(self, k, grad, l2):
        """One parameter's gradient plus its L2 term (the per-parameter path)."""
        return grad + l2 * self.params[k] if l2 and self.decayed[k] else grad

    def _apply(self, flat_update):
        """``param -= update`` for every parameter, from a flat update."""
        if self.flat is not None:
            self.flat -= flat_update
            return
        for param, update in zip(self.params, self._views(flat_update)):
            param -= update

    # Views do not survive pickling (each would come back as a copy of its
    # own): keep the flat buffers and rebuild the views on load.
    def __getstate__(self):
        state = self.__dict__.copy()
        for name in (*self._view_names, "_grad_views"):  # see _make_views
            state.pop(name, None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._make_views()


class SGD(_FlatState):
    """Stochastic gradient descent, as ``torch.optim.SGD(lr, momentum, nesterov=...)``.

    ``buf = momentum * buf + g`` (torch starts ``buf`` at ``g``: the same as
    starting at zero), the step is ``g + momentum * buf`` with Nesterov
    momentum, else ``buf``; and ``p -= lr * step``. (With a constant learning
    rate this is also MLPClassifier's ``velocity = momentum * velocity - lr * g``.)

    Parameters
    ----------
    params : list of ndarray
        Arrays updated in place.
    lr : float
        Learning rate.
    momentum : float, default=0.0
    nesterov : bool, default=False
    flat : ndarray, default=None
        One array of which ``params`` are views, updated in one go.
    decayed : list of bool, default=None
        Which parameters ``step``'s ``l2`` term applies to (none by default).
    offsets : list of int, default=None
        With ``flat``: where each parameter starts in it.
    """

    _buffers = ("_momentum",)
    _view_names = ("buffers",)

    def __init__(self, params, lr, momentum=0.0, nesterov=False, flat=None, decayed=None, offsets=None):
        super().__init__(params, flat, decayed, offsets)
        self.lr = lr
        self.momentum = momentum
        self.nesterov = nesterov
        self._make_views()

    def _make_views(self):
        super()._make_views()
        self.buffers = self._views(self._momentum)

    def step(self, grads, l2=0.0):
        """Apply one update from ``grads``; a parameter whose gradient is None is skipped."""
        if all(g is not None for g in grads):
            self._apply(self._update(self._gather(grads, l2), self._momentum, self._work))
            return
        for k, (param, grad) in enumerate(zip(self.params, grads)):
            if grad is not None:
                param -= self._update(self._decay(k, grad, l2), self.buffers[k], np.empty_like(grad))

    def _update(self, grad, buf, out):
        if not self.momentum:
            return np.multiply(grad, self.lr, out=out)
        buf *= self.momentum
        buf += grad
        if self.nesterov:
            np.multiply(buf, self.momentum, out=out)
            out += grad
        else:
            out[...] = buf
        out *= self.lr
        return out


class Adam(_FlatState):
    """Adam, as ``torch.optim.Adam(lr, betas=(beta_1, beta_2), eps=epsilon)``.

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2``, and
    ``p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)``.

    Parameters
    ----------
    params : list of ndarray
        Arrays updated in place.
    lr : float
        Learning rate.
    beta_1, beta_2 : float, default=0.9, 0.999
    epsilon : float, default=1e-8
    flat : ndarray, default=None
        One array of which ``params`` are views, updated in one go.
    decayed : list of bool, default=None
        Which parameters ``step``'s ``l2`` term applies to (none by default).
    offsets : list of int, default=None
        With ``flat``: where each parameter starts in it.
    """

    _buffers = ("_first", "_second")
    _view_names = ("first", "second")

    def __init__(self, params, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-8, flat=None, decayed=None,
                 offsets=None):
        super().__init__(params, flat, decayed, offsets)
        self.lr = lr
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.steps = [0] * len(params)  # per parameter, as torch counts them
        self._make_views()

    def _make_views(self):
        super()._make_views()
        self.first = self._views(self._first)
        self.second = self._views(self._second)

    def step(self, grads, l2=0.0):
        """Apply one update from ``grads``; a parameter whose gradient is None is skipped."""
        if all(g is not None for g in grads) and len(set(self.steps)) <= 1:
            self.steps = [s + 1 for s in self.steps]
            grad = self._gather(grads, l2)
            self._apply(self._update(grad, self._first, self._second, self._work, self.steps[0]))
            return
        for k, (param, grad) in enumerate(zip(self.params, grads)):
            if grad is not None:
                self.steps[k] += 1
                grad = self._decay(k, grad, l2)
                param -= self._update(grad, self.first[k], self.second[k], np.empty_like(grad), self.steps[k])

    def _update(self, grad, m, v, out, t):
        np.subtract(grad, m, out=out)  # m.lerp_(g, 1 - b1), as torch computes it
        out *= 1 - self.beta_1
        m += out
        v *= self.beta_2
        np.multiply(grad, 1 - self.beta_2, out=out)
        out *= grad
        v += out
        np.sqrt(v, out=out)
        out /= math.sqrt(1 - self.beta_2**t)
        out += self.epsilon
        np.divide(m, out, out=out)
        out *= self.lr / (1 - self.beta_1**t)
        return out
