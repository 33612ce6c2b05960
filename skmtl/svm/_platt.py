"""Platt scaling: probabilities from decision values.

``P(y = 1 | f) = 1 / (1 + exp(A f + B))``, fitted on out-of-fold decision
values by regularised maximum likelihood (Platt 1999, with the target
smoothing and the numerically stable loss of Lin, Lin & Weng 2007).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_expit


def fit_sigmoid(decision: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """Fit ``(A, B)`` to decision values and boolean labels.

    Examples
    --------
    >>> import numpy as np
    >>> A, B = fit_sigmoid(np.array([-2.0, -1.0, 1.0, 2.0]), np.array([0, 0, 1, 1], bool))
    >>> bool(A < 0)
    True
    """
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    # Smoothed targets keep the fit finite on separable data.
    target = np.where(positive, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))

    def loss_and_grad(params):
        A, B = params
        z = A * decision + B  # p = expit(-z)
        loss = -(target * log_expit(-z) + (1.0 - target) * log_expit(z)).sum()
        residual = target - expit(-z)  # d loss / d z
        return loss, np.array([residual @ decision, residual.sum()])

    start = np.array([0.0, np.log((n_neg + 1.0) / (n_pos + 1.0))])
    result = minimize(loss_and_grad, start, jac=True, method="BFGS")
    return float(result.x[0]), float(result.x[1])


def apply_sigmoid(decision: np.ndarray, A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``P(y = 1)`` for decision values (broadcast over subproblems)."""
    return expit(-(A * decision + B))
