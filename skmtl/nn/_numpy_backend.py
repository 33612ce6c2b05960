"""The NumPy backend: one training step of a :class:`SharedNetwork` on the autograd engine.

Both backends implement the same calls, which the training loop makes (load
once per training call, then forward, gramian when needed, and step for
every batch; sync and finish to bring the weights back):

``load(X, y, weight, lengths=None)``
    the training rows (features, each entry's target: a task-local class
    index or a real value, the entry weight, and sequence lengths for
    recurrent trunks);
``forward(batch, coefficients=None)``
    the per-task summed losses and the squared norm of the weights (for the
    reported L2 penalty); also back-propagates each task's mean loss,
    times its coefficient when they are known already (else 1), through its
    head, so that the head gradients and the gradient at the trunk's output
    are known;
``gramian(batch)``
    the Gramian of the trunk gradients of the task mean losses, one backward
    sweep of the trunk per task (only for gradient-based weighting);
``step(batch, head, trunk, l2, max_norm=None)``
    scales each head's gradient by ``head[t]`` (unless ``forward`` did),
    gives the trunk ``sum_t trunk[t] g_t``, clips the gradient's norm to
    ``max_norm`` (when given), and lets the optimizer step, adding the L2
    penalty's gradient ``l2 * W`` for the weights.

The graph is cut at the trunk's output, so heads (whose rows are disjoint)
are differentiated once, and the trunk once per step, or once per task.
"""

from __future__ import annotations

import numpy as np

from . import _autograd as ag
from . import _conv as conv
from ._autograd import Tensor
from ._backend import Backend, one_sweep, training_targets
from ._recurrent import recurrent


class NumpyOps:
    """The layer functions :class:`SharedNetwork` calls, on the autograd engine."""

    linear = staticmethod(ag.linear)
    mask = staticmethod(ag.mask)
    conv2d = staticmethod(conv.conv2d)
    max_pool2d = staticmethod(conv.max_pool2d)
    flatten = staticmethod(conv.flatten)
    #: Summed (weighted) loss of a head's outputs, by the name the network gives each task.
    LOSSES = {
        "sigmoid_cross_entropy": ag.sigmoid_binary_cross_entropy,
        "softmax_cross_entropy": ag.softmax_cross_entropy,
        "squared_error": ag.squared_error,
    }

    @staticmethod
    def recurrent(x, lengths, params, cell, bidirectional):
        """(all states, final states) of one recurrent layer, both directions side by side."""
        forward = recurrent(x, lengths, *params[:4], cell=cell)
        final = ag.time_step(forward, -1)  # frozen after each sequence's last real step
        if not bidirectional:
            return forward, final
        backward = recurrent(x, lengths, *params[4:8], cell=cell, reverse=True)
        return ag.concat([forward, backward]), ag.concat([final, ag.time_step(backward, 0)])


def clip_by_norm(grads, max_norm):
    """Scale gradients whose total norm exceeds ``max_norm``, as torch.nn.utils.clip_grad_norm_."""
    present = [g for g in grads if g is not None]
    total = float(np.linalg.norm([np.linalg.norm(g) for g in present]))
    scale = max_norm / (total + 1e-6)
    if scale >= 1.0:
        return grads
    return [None if g is None else g * scale for g in grads]


class NumpyBackend(Backend):
    """Train a network's parameters, a flat list of arrays updated in place.

    Parameters
    ----------
    network : SharedNetwork
    params : list of ndarray
        The parameters, in the network's order; updated in place.
    optimizer : SGD or Adam
        A :mod:`skmtl.nn._optimizers` optimizer over ``params``.
    """

    def __init__(self, network, params, optimizer):
        self.network = network
        self.params = params
        self.optimizer = optimizer
        self.leaves = [Tensor(p, requires_grad=True) for p in params]
        self.n_trunk = network.n_trunk_params

    def load(self, X, y, weight, lengths=None):
        self.X, self.y, self.lengths = X, training_targets(y, X.dtype), lengths
        self.weight = None if np.all(weight == 1) else weight  # unweighted: fewer operations

    def forward(self, batch, coefficients=None):
        net, leaves = self.network, self.leaves
        for leaf in leaves:
            leaf.grad = None
        rows = batch.rows
        trunk_masks, tower_masks = batch.masks
        lengths = None if self.lengths is None else self.lengths[rows]
        z = net.forward_trunk(NumpyOps, leaves, Tensor(self.X[rows]), trunk_masks, lengths)
        y = self.y[batch.entries]
        weight = None if self.weight is None else self.weight[batch.entries]
        sums = np.zeros(net.n_tasks)
        whole = one_sweep(batch, coefficients)
        dz = None if whole else np.zeros_like(z.data)
        positions, pieces = batch.positions, None if batch.positions is None else []
        for t, a, b in batch.spans:
            if whole:
                zt = z
            else:  # the task's rows of the trunk's output: a slice, or (wide form) a gather
                at = slice(a, b) if positions is None else positions[a:b]
                zt = Tensor(z.data[at], requires_grad=True)
            logits = net.forward_head(NumpyOps, leaves, t, zt, [m[a:b] for m in tower_masks])
            w = None if weight is None else weight[a:b]
            loss = NumpyOps.LOSSES[net.losses[t]](logits, y[a:b], w)
            scale = 1.0 if coefficients is None else float(coefficients[t])
            loss.backward(np.asarray(scale / float(batch.task_weight[t]), dtype=z.data.dtype))
            sums[t] = loss.data
            if not whole:
                dz[at] += zt.grad  # a task's rows are distinct: no index repeats
                if pieces is not None:
                    pieces.append((at, zt.grad))
        self._z, self._dz, self._jacobian, self._scaled = z, dz, None, coefficients is not None
        self._pieces = pieces
        return sums, self.optimizer.decayed_norm2()

    def _trunk_backward(self, seed):
        for leaf in self.leaves[: self.n_trunk]:
            leaf.grad = None
        self._z.backward(seed)

    def gramian(self, batch):
        rows = []
        for seed in self._task_seeds(batch):
            self._trunk_backward(seed)
            rows.append(np.concatenate([leaf.grad.ravel() for leaf in self.leaves[: self.n_trunk]]))
        self._jacobian = np.stack(rows)
        jacobian = self._jacobian.astype(np.float64)
        gram = np.zeros((self.network.n_tasks, self.network.n_tasks))
        gram[np.ix_(batch.present, batch.present)] = jacobian @ jacobian.T
        return gram

    def _scale_head(self, t, factor):
        net = self.network
        for leaf in self.leaves[net.task_starts[t] : net.task_starts[t + 1]]:
            leaf.grad = leaf.grad * factor

    def _set_trunk_gradient(self, coefficients):
        flat = coefficients.astype(self._jacobian.dtype) @ self._jacobian
        offset = 0
        for leaf in self.leaves[: self.n_trunk]:
            leaf.grad = flat[offset : offset + leaf.data.size].reshape(leaf.data.shape)
            offset += leaf.data.size

    def _combine(self, pieces, coefficients):
        seed = np.zeros_like(self._dz)
        for (at, grad), c in zip(pieces, coefficients):
            seed[at] += float(c) * grad
        return seed

    def _row_coefficients(self, batch, trunk):
        return batch.row_coefficients(trunk, self._dz.dtype)

    def _update(self, l2, max_norm):
        grads = [leaf.grad for leaf in self.leaves]
        if max_norm is not None:
            grads = clip_by_norm(grads, max_norm)
        self.optimizer.step(grads, l2)
        for leaf in self.leaves:
            leaf.grad = None

    def sync(self):
        """Bring the trained parameters back to ``params`` (already there: they are shared)."""

    def finish(self):
        """End a training call; the optimizer's state stays in ``optimizer``."""
