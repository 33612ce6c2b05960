"""Multi-task linear models, solved in the primal for large numbers of rows."""

from ._classes import MultiTaskLinearSVC, MultiTaskLogisticRegression

__all__ = ["MultiTaskLinearSVC", "MultiTaskLogisticRegression"]
