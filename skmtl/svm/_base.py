"""What the support vector machines on the multi-task kernel share around their dual.

:class:`~skmtl.svm.MultiTaskKernelSVC` and :class:`~skmtl.svm.MultiTaskKernelSVR`
solve duals of the same shape (:mod:`._dual`) on one n x n input Gram matrix:
the memory check before it, the solves (with the checks on what comes back),
the alternation with the Omega update for ``task_similarity='learn'``, the
support vectors kept from the solution and the predictions computed from them
are the same code for both. Each estimator builds its own dual problems.

The input kernel itself (gamma, ``k(X, Z)``, the training Gram matrix, the
test x training kernel in blocks) is :class:`InputKernelMixin`, which
:class:`~skmtl.svm.MultiTaskKernelRidge` shares too.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions

from .._memory import check_memory, format_bytes
from .._similarity import TASK_SIMILARITY_CONSTRAINTS, learn_similarity
from ._dual import per_task_products, task_gram, weigh_tasks
from ._kernels import (
    GRAM_ADVICE,
    KERNELS,
    check_gram_memory,
    check_kernel_not_underflowed,
    gram_bytes,
    input_kernel,
    resolve_gamma,
)

PREDICT_CHUNK_ELEMENTS = 1 << 24  # test x training kernel blocks of at most 128 MiB

# The cvxpy reference's peak memory beyond the Gram matrix, in Gram matrices:
# Q and its temporaries in NumPy, then cvxpy's canonicalised copies and
# Clarabel's. Measured 17-20x at n = 500-2000 (peak RSS); 20 errs on the safe side.
CVXPY_GRAM_COPIES = 20

# The parameters both estimators have, with the same meaning and checks.
SHARED_PARAMETER_CONSTRAINTS: dict = {
    "C": [Interval(Real, 0, None, closed="neither")],
    "kernel": [StrOptions(set(KERNELS)), callable],
    "degree": [Interval(Integral, 0, None, closed="left")],
    "gamma": [StrOptions({"scale", "auto"}), Interval(Real, 0, None, closed="left")],
    "coef0": [Interval(Real, None, None, closed="neither")],
    **TASK_SIMILARITY_CONSTRAINTS,
    "bias": [StrOptions({"shared", "per_task"})],
    "tol": [Interval(Real, 0, None, closed="neither")],
    "max_iter": [Interval(Integral, -1, None, closed="left")],
    "solver": [StrOptions({"auto", "smo", "cvxpy"})],
    "verbose": ["verbose"],
}


def check_gathered_dask(X, advice: str) -> None:
    """Refuse, before computing it, a dask array X whose values would not fit in memory.

    A dask DataFrame's length is unknown until computed: it is read as it is.
    ``advice`` says which estimators fit dask input a chunk at a time.
    """
    n_values = float(X.size) if hasattr(X, "chunks") else np.nan  # nan: unknown chunks
    if np.isfinite(n_values):
        check_memory(8 * int(n_values), "dask array X read into memory (as float64)", advice)


class InputKernelMixin:
    """The input kernel ``k`` of an estimator on the multi-task kernel ``Omega[s, t] k(x, z)``.

    For an estimator with the parameters ``kernel``, ``gamma``, ``degree``
    and ``coef0``; :meth:`_set_gamma` in ``fit`` sets the fitted ``_gamma``
    that :meth:`_kernel` reads.
    """

    def _set_gamma(self, X) -> None:
        """The numeric gamma; 'scale' reads the variance of X only where the kernel
        uses gamma, so that linear and callable kernels are not refused over it.

        None (:class:`~sklearn.kernel_ridge.KernelRidge`'s default, which
        ``pairwise_kernels`` reads as ``1 / n_features``) is 'auto'.
        """
        uses_gamma = self.kernel in ("rbf", "poly", "sigmoid")
        gamma = "auto" if self.gamma is None else self.gamma
        self._gamma = resolve_gamma(gamma, X) if uses_gamma else 1.0

    def _kernel(self, X, Z) -> np.ndarray:
        """The input Gram matrix ``k(X, Z)`` with the fitted gamma."""
        return input_kernel(X, Z, kernel=self.kernel, gamma=self._gamma, degree=self.degree, coef0=self.coef0)

    def _training_gram(self, X) -> np.ndarray:
        """The n x n input Gram matrix of the training rows."""
        K = self._kernel(X, X)
        if self.kernel in ("linear", "poly", "sigmoid"):
            check_kernel_not_underflowed(K, X, self.kernel)
        return K

    def _kernel_blocks(self, X, Z, chunk_elements: int = PREDICT_CHUNK_ELEMENTS):
        """``(rows, k(X[rows], Z))`` over slices of the rows of X, each block at most ``chunk_elements`` values.

        Prediction reads the kernel of the rows to the training (or support)
        rows a block at a time, so that its memory does not grow with X.
        """
        n_rows = X.shape[0]
        chunk = max(1, chunk_elements // max(Z.shape[0], 1))
        for start in range(0, n_rows, chunk):
            rows = slice(start, min(start + chunk, n_rows))
            yield rows, self._kernel(X[rows], Z)

    def _forget(self, names):
        """Drop the attributes of another route that a previous fit may have left."""
        for name in names:
            self.__dict__.pop(name, None)


class MultiTaskKernelMixin(InputKernelMixin):
    """The exact kernel route of the multi-task SVMs: Gram, solves, Omega, support vectors.

    Goes first in the bases of an estimator with the parameters of
    ``SHARED_PARAMETER_CONSTRAINTS``. Fitted state it sets: ``_gamma``,
    ``task_similarity_``, ``n_similarity_iter_``, ``support_``,
    ``support_vectors_``, ``dual_coef_`` and ``_support_starts``.
    """

    # What the memory error advises when the Gram matrix does not fit.
    _gram_advice = GRAM_ADVICE

    def _n_concurrent(self, n_problems):
        """How many dual problems are solved at the same time: one here.

        An estimator that solves several at once on ``n_jobs`` workers
        overrides it with :meth:`_map_solves` (the memory check then counts
        joblib's copies and names ``n_jobs``).
        """
        return 1

    def _check_fit_memory(self, n, n_problems=1, splits=None):
        """Refuse, before allocating anything large, a fit that would not fit in memory.

        Live at once: the n x n Gram matrix; with several problems solved
        at once, joblib's memory-mapped copy of each matrix the workers get;
        with solver='cvxpy', the reference's own copies (see
        ``CVXPY_GRAM_COPIES``) per concurrent solve; with calibration
        ``splits``, during each fold the fold's train x train Gram copy (with
        its solver copies), then its test x train copy.
        """
        concurrent = self._n_concurrent(n_problems)
        shared = 1 if concurrent > 1 else 0  # joblib memmaps each large input once
        cvxpy = CVXPY_GRAM_COPIES * concurrent if self.solver == "cvxpy" else 0
        extra, parts = gram_bytes(n, n) * (shared + cvxpy), []
        if cvxpy:
            parts.append(f"the cvxpy reference solver's copies of it ({format_bytes(extra)})")
        elif shared:
            parts.append(f"joblib's copy of it for n_jobs={self.n_jobs} ({format_bytes(extra)})")
        if splits is not None:
            fold_peak = max(
                max(gram_bytes(len(train), len(train)) * (1 + shared + cvxpy),
                    gram_bytes(len(test), len(train)))
                for train, test in splits
            )
            parts.append(
                f"the probability calibration's per-fold Gram copies ({len(splits)} folds, "
                f"{format_bytes(fold_peak)} live at once)"
            )
            extra = max(extra, fold_peak)
        options = []  # what would shrink this fit, before the general advice
        if shared and self.solver != "cvxpy":
            options.append("Use n_jobs=None (no copy for the workers)")
        if splits is not None:
            options.append("Fit with probability=False (decision_function needs no calibration folds)")
        if self.solver == "cvxpy":
            options.append("Use solver='auto' (the SMO solver needs only the Gram matrix)")
        first, *rest = [*options, self._gram_advice]
        advice = ", or ".join([first] + [option[0].lower() + option[1:] for option in rest])
        check_gram_memory(n, n, extra_bytes=extra, extra_what=" and ".join(parts), advice=advice)

    def _map_solves(self, solve, problems, warm, options):
        """``solve`` every problem from its warm start: one after the other here."""
        return [solve(p, alpha0=a, **options) for p, a in zip(problems, warm)]

    def _solve_problems(self, problems, solve, alpha0=None):
        """Solve every dual problem with ``solve``; return alphas, intercepts and steps.

        ``alpha0``: one warm start per problem, or None.
        """
        warm = [None] * len(problems) if alpha0 is None else list(alpha0)
        options = {"tol": self.tol, "max_iter": self.max_iter, "verbose": self.verbose}
        solutions = self._map_solves(solve, problems, warm, options)
        alphas = np.array([s.alpha for s in solutions])
        intercepts = np.array([s.intercept for s in solutions])
        if not (np.all(np.isfinite(alphas)) and np.all(np.isfinite(intercepts))):
            # libsvm's words, as SVC raises them.
            raise ValueError(
                "The dual coefficients or intercepts are not finite. The input data may "
                "contain large values and need to be preprocessed."
            )
        if not all(s.converged for s in solutions):
            warnings.warn(
                f"The SMO solver stopped at max_iter={self.max_iter} before reaching "
                f"tol={self.tol}; raise max_iter, or scale the features (StandardScaler).",
                ConvergenceWarning,
            )
        return alphas, intercepts, np.array([s.n_iter for s in solutions])

    def _solve_with_similarity(self, K, starts, similarity, solve, coefficients):
        """Solve for a given Omega, or learn it; set ``task_similarity_`` and ``n_similarity_iter_``.

        ``similarity`` is a checked Omega or 'learn'; ``solve(omega, alpha0)``
        returns alphas, intercepts and steps (:meth:`_solve_problems`), and
        ``coefficients(alphas)`` each row's coefficient in each problem's
        decision function, shape (n, n_problems). Returns the alphas, the
        intercepts and the steps of the solves (summed over Omega updates).
        """
        if isinstance(similarity, str):  # 'learn'
            omega, alphas, n_iter = self._learn_similarity(K, starts, solve, coefficients)
            alphas, intercepts, more = solve(omega, alphas)
            n_iter = n_iter + more
        else:
            omega = similarity
            alphas, intercepts, n_iter = solve(omega, None)
            self.n_similarity_iter_ = 0
        self.task_similarity_ = omega
        return alphas, intercepts, n_iter

    def _learn_similarity(self, K, starts, solve, coefficients):
        """Alternate dual solves and MTRL updates of Omega; return Omega, warm alphas and steps."""
        state = {"alphas": None, "n_iter": 0}

        def weight_gram(omega):
            # Task t's weights are w_t = sum_j c_j Omega[t_j, t] phi(x_j) (c_j: row j's
            # coefficient), so W'W = Omega M Omega with M[r, s] = sum_{j in r, l in s}
            # c_j c_l k(x_j, x_l) (task_gram), summed over the problems.
            state["alphas"], _, steps = solve(omega, state["alphas"])
            state["n_iter"] = state["n_iter"] + steps
            return omega @ task_gram(K, starts, coefficients(state["alphas"])) @ omega

        omega, self.n_similarity_iter_ = learn_similarity(
            weight_gram, self.n_tasks_, ridge=self.similarity_ridge,
            max_iter=self.similarity_max_iter, tol=self.similarity_tol, verbose=self.verbose,
        )
        return omega, state["alphas"], state["n_iter"]

    def _set_support(self, X, order, codes, coef):
        """Keep the rows with a non-zero coefficient in some problem as support vectors.

        ``X`` and ``codes`` are task-sorted, ``order`` maps them back to the
        training rows, ``coef`` is (n_problems, n): each row's coefficient.
        """
        is_support = np.any(coef != 0, axis=0)
        self.support_ = order[is_support]
        self.support_vectors_ = X[np.flatnonzero(is_support)]
        self.dual_coef_ = coef[:, is_support]
        self._support_starts = np.searchsorted(codes[is_support], np.arange(self.n_tasks_ + 1))

    def _support_scores(self, X, codes, intercept, chunk_elements=PREDICT_CHUNK_ELEMENTS):
        """Every problem's decision values from the support vectors, each row seen from its task.

        Shape (n_samples, n_problems); with ``codes`` None, every row seen
        from every task: shape (n_tasks, n_samples, n_problems). ``intercept``
        is (n_problems, n_tasks). The kernel to the support vectors, the
        costly part, is computed once per row however many tasks read it, in
        blocks of at most ``chunk_elements`` values.
        """
        n_rows, n_problems = X.shape[0], self.dual_coef_.shape[0]
        views = [codes] if codes is not None else [
            np.full(n_rows, t, dtype=np.intp) for t in range(self.n_tasks_)
        ]
        scores = np.empty((len(views), n_rows, n_problems))
        for rows, K in self._kernel_blocks(X, self.support_vectors_, chunk_elements):
            products = per_task_products(K, self._support_starts, self.dual_coef_.T)
            for out, view in zip(scores, views):
                out[rows] = weigh_tasks(products, self.task_similarity_, view[rows])
        for out, view in zip(scores, views):
            out += intercept[:, view].T
        return scores if codes is None else scores[0]
