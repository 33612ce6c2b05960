"""How task losses combine into one update: loss weighting and gradient surgery.

Everything here is NumPy on ``n_tasks``-sized arrays, shared by both
backends. A training step hands over, for the tasks present in the batch:

* ``sums`` and ``batch.task_weight``: each task's summed loss and row weight,
  whose ratio is the task's mean loss ``L_t`` over its rows of the batch;
* ``base``: the coefficient of ``L_t`` in the default objective,
  ``task_weight_t * U_t / D`` (``U_t``: the task's summed row weights, ``D``:
  the batch's summed sample weights), so that ``sum_t base_t L_t`` is the
  weighted mean loss over the batch, exactly ``MLPClassifier``'s loss when
  there is one task;
* for gradient-based methods, the Gramian ``G[s, t] = <g_s, g_t>`` of the
  trunk gradients ``g_t`` of the ``L_t``.

It returns coefficients: each head ``t`` receives ``head_t * grad(L_t)``, and
the shared trunk ``sum_t trunk_t * g_t``. As torchjd shows, PCGrad and MGDA
are functions of the Gramian, so no backend ever hands over its gradients.

Loss weightings (``loss_weighting``) multiply ``base`` by ``lambda_t``:

* ``'equal'``: ``lambda = 1``.
* ``'uncertainty'`` (Kendall et al., 2018): learned ``s_t = log sigma_t^2``,
  objective ``sum_t base_t (L_t exp(-s_t) / 2 + s_t / 2)`` (LibMTL's form,
  ``s`` starting at -0.5), so ``lambda_t = exp(-s_t) / 2`` and noisy tasks,
  whose loss stays high, are down-weighted.
* ``'dwa'`` (Liu et al., 2019): ``lambda = T softmax(r / 2)`` with ``r_t`` the
  ratio of task ``t``'s mean loss over the last two epochs; 1 for the first two.
* ``'gradnorm'`` (Chen et al., 2018): ``lambda = T softmax(p)``, ``p`` learned
  so that the weighted trunk-gradient norms ``lambda_t base_t |g_t|`` move
  towards their mean times ``r_t^1.5``, ``r_t`` the task's relative inverse
  training rate ``(L_t / L_t(0)) / mean``; ``L_t(0)`` is the first epoch's
  mean loss, and that first epoch uses ``lambda = 1``. Norms are taken over
  all trunk parameters, as LibMTL does.

Gradient methods (``gradient_method``) replace the trunk coefficients only:

* ``'pcgrad'`` (Yu et al., 2020): each task's (base-weighted) gradient loses
  its component along any task gradient it conflicts with, in random order;
  the trunk gets their sum, which is the default update when no two conflict.
* ``'mgda'`` (Sener & Koltun, 2018): the trunk gets the min-norm point of the
  convex hull of the tasks' (``task_weight``-scaled) gradients, found exactly
  as a non-negative least-squares problem.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import eigh
from scipy.optimize import nnls

#: Defaults of the methods, as in LibMTL and the papers.
UNCERTAINTY_INIT = -0.5
DWA_TEMPERATURE = 2.0
GRADNORM_ALPHA = 1.5

LOSS_WEIGHTINGS = ("equal", "uncertainty", "dwa", "gradnorm")
GRADIENT_METHODS = ("pcgrad", "mgda")


def _softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


def _mean_losses(sums, batch):
    """Each task's mean loss over its rows of the batch (0 for absent tasks)."""
    weight = batch.task_weight
    return np.divide(sums, weight, out=np.zeros(len(sums)), where=weight > 0)


class EqualWeighting:
    """``lambda = 1``: the default objective."""

    needs_gramian = False

    def __init__(self, n_tasks, make_optimizer):
        self.n_tasks = n_tasks
        self._ones = np.ones(n_tasks)

    def multipliers(self):
        return self._ones

    def observe(self, sums, batch, base, gram):
        """Learn from one step (learned weightings only)."""

    def end_epoch(self, epoch_losses):
        """Learn from one epoch's mean task losses (epoch-based weightings only)."""


class UncertaintyWeighting(EqualWeighting):
    """Homoscedastic uncertainty weighting: ``lambda_t = exp(-s_t) / 2``, ``s`` learned."""

    def __init__(self, n_tasks, make_optimizer):
        super().__init__(n_tasks, make_optimizer)
        self.log_variance = np.full(n_tasks, UNCERTAINTY_INIT)
        self.optimizer = make_optimizer([self.log_variance])

    def multipliers(self):
        return 0.5 * np.exp(-self.log_variance)

    def observe(self, sums, batch, base, gram):
        # d/ds of base * (L exp(-s) / 2 + s / 2); tasks absent from the batch have base 0.
        grad = base * (0.5 - self.multipliers() * _mean_losses(sums, batch))
        self.optimizer.step([grad])


class DWAWeighting(EqualWeighting):
    """Dynamic weight average: weights from how fast each task's loss fell last epoch."""

    def __init__(self, n_tasks, make_optimizer):
        super().__init__(n_tasks, make_optimizer)
        self.history = []
        self.current = np.ones(n_tasks)

    def multipliers(self):
        return self.current

    def end_epoch(self, epoch_losses):
        self.history.append(np.asarray(epoch_losses, dtype=float))
        if len(self.history) >= 2:
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = self.history[-1] / self.history[-2]
            ratio = np.where(np.isfinite(ratio), ratio, 1.0)  # a task missing from an epoch
            self.current = self.n_tasks * _softmax(ratio / DWA_TEMPERATURE)


class GradNormWeighting(EqualWeighting):
    """GradNorm: ``lambda = T softmax(p)``, ``p`` learned to balance trunk-gradient norms."""

    needs_gramian = True

    def __init__(self, n_tasks, make_optimizer):
        super().__init__(n_tasks, make_optimizer)
        self.logits = np.ones(n_tasks)
        self.optimizer = make_optimizer([self.logits])
        self.initial_losses = None

    def multipliers(self):
        return self.n_tasks * _softmax(self.logits)

    def observe(self, sums, batch, base, gram):
        if self.initial_losses is None:
            return  # the first epoch measures L(0)
        # Tasks whose L(0) is known and positive (a partial_fit call may have lacked one).
        present = batch.present[self.initial_losses[batch.present] > 0]
        if len(present) < 2:
            return  # one task has nothing to balance
        losses = _mean_losses(sums, batch)
        weights = self.multipliers()
        raw_norms = np.sqrt(np.maximum(np.diag(gram), 0.0)) * base
        norms = weights * raw_norms
        relative = losses[present] / self.initial_losses[present]
        target = norms[present].mean() * (relative / relative.mean()) ** GRADNORM_ALPHA
        grad_weights = np.zeros(self.n_tasks)
        grad_weights[present] = np.sign(norms[present] - target) * raw_norms[present]
        # Through lambda = T softmax(p): d lambda_i / d p_j = lambda_i (delta_ij - lambda_j / T).
        grad_logits = weights * (grad_weights - weights @ grad_weights / self.n_tasks)
        self.optimizer.step([grad_logits])

    def end_epoch(self, epoch_losses):
        if self.initial_losses is None:
            self.initial_losses = np.asarray(epoch_losses, dtype=float)


WEIGHTINGS = {
    "equal": EqualWeighting,
    "uncertainty": UncertaintyWeighting,
    "dwa": DWAWeighting,
    "gradnorm": GradNormWeighting,
}


def pcgrad_coefficients(gram, rng):
    """PCGrad on gradients with Gramian ``gram``: coefficients ``w``, update ``sum_t w_t g_t``.

    Task ``i``'s projected gradient is kept as coefficients ``c_i`` over the
    original gradients (starting at ``e_i``); projecting it off ``g_j`` when
    they conflict is ``c_i[j] -= <g_j, g_i^PC> / |g_j|^2``.
    """
    n = len(gram)
    coefficients = np.eye(n)
    for i in range(n):
        c = coefficients[i]
        for j in rng.permutation(n):
            if j == i or gram[j, j] <= 0:
                continue
            inner = gram[j] @ c
            if inner < 0:
                c[j] -= inner / gram[j, j]
    return coefficients.sum(axis=0)


def min_norm_coefficients(gram):
    """The point of the simplex minimising ``w' gram w`` (MGDA's min-norm element).

    With ``gram = R'R``, ``beta = argmin_{beta >= 0} |R beta|^2 + (1'beta - 1)^2``
    is the min-norm point divided by ``1 + its squared norm`` (compare the
    KKT conditions of both problems), so one small NNLS solves it exactly.
    """
    n = len(gram)
    scale = np.max(np.diag(gram))
    if not scale > 0:
        return np.full(n, 1.0 / n)
    values, vectors = eigh(gram / scale)
    root = np.sqrt(np.maximum(values, 0.0))[:, None] * vectors.T  # root.T @ root = gram / scale
    design = np.vstack([root, np.ones((1, n))])
    target = np.zeros(n + 1)
    target[-1] = 1.0
    beta = nnls(design, target)[0]
    total = beta.sum()
    return beta / total if total > 0 else np.full(n, 1.0 / n)


def combine(method, gram, scale, rng):
    """Trunk coefficients over raw task gradients for gradient ``method``.

    ``scale`` weights each raw gradient before the method sees it (``base *
    lambda`` for PCGrad, ``task_weight * lambda`` for MGDA); the result is
    again over raw gradients.
    """
    scaled = gram * np.outer(scale, scale)
    if method == "pcgrad":
        return scale * pcgrad_coefficients(scaled, rng)
    return scale * min_norm_coefficients(scaled)
