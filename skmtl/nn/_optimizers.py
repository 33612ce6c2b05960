"""SGD (momentum, Nesterov) and Adam, step for step as torch.optim.SGD / torch.optim.Adam.

Both backends must train to the same weights from the same start, so the
update rules, and the order of their floating-point operations, follow
PyTorch's single-tensor implementations. Each optimizer updates a list of
NumPy arrays in place from a list of gradients of the same shapes.
"""

from __future__ import annotations

import math

import numpy as np


class SGD:
    """Stochastic gradient descent, as ``torch.optim.SGD(lr, momentum, nesterov=...)``.

    ``buf = g`` on the first step, then ``buf = momentum * buf + g``; the step
    is ``g + momentum * buf`` with Nesterov momentum, else ``buf``; and
    ``p -= lr * step``. (With a constant learning rate this is also
    MLPClassifier's ``velocity = momentum * velocity - lr * g``.)

    Parameters
    ----------
    params : list of ndarray
        Arrays updated in place.
    lr : float
        Learning rate.
    momentum : float, default=0.0
    nesterov : bool, default=False
    """

    def __init__(self, params, lr, momentum=0.0, nesterov=False):
        self.params = params
        self.lr = lr
        self.momentum = momentum
        self.nesterov = nesterov
        self.buffers = [None] * len(params)

    def step(self, grads):
        """Apply one update from ``grads`` (one array per parameter)."""
        for k, (param, grad) in enumerate(zip(self.params, grads)):
            if self.momentum:
                buf = self.buffers[k]
                if buf is None:
                    buf = self.buffers[k] = grad.copy()
                else:
                    buf *= self.momentum
                    buf += grad
                grad = grad + self.momentum * buf if self.nesterov else buf
            param -= self.lr * grad


class Adam:
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
    """

    def __init__(self, params, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.params = params
        self.lr = lr
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.first = [np.zeros_like(p) for p in params]
        self.second = [np.zeros_like(p) for p in params]

    def step(self, grads):
        """Apply one update from ``grads`` (one array per parameter)."""
        self.t += 1
        step_size = self.lr / (1 - self.beta_1**self.t)
        correction = math.sqrt(1 - self.beta_2**self.t)
        for param, grad, m, v in zip(self.params, grads, self.first, self.second):
            m += (grad - m) * (1 - self.beta_1)  # torch's lerp_
            v *= self.beta_2
            v += (1 - self.beta_2) * grad * grad
            denom = np.sqrt(v) / correction + self.epsilon
            param -= step_size * (m / denom)
