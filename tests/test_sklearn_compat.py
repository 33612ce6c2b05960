"""scikit-learn citizenship: the estimator checks and the multi-task workflow."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmtl import MultiTaskKernelSVC


def _expected_failures(estimator):
    # sklearn's own SVC fails this check too: it compares decision values to
    # 1e-7 while the solver stops at tol=1e-3 in the dual (and gamma='scale'
    # reads the variance of X, which repeating rows changes).
    # test_sample_weight_equivalence_with_tight_tol shows that a tight tol and
    # a numeric gamma close the gap.
    reason = "decision values agree to solver tolerance (tol), not to 1e-7"
    return {
        "check_sample_weight_equivalence_on_dense_data": reason,
    }


@parametrize_with_checks([MultiTaskKernelSVC()], expected_failed_checks=_expected_failures)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
