"""Multi-task linear models, solved in the primal for large numbers of rows."""

from ._classes import MultiTaskLinearSVC, MultiTaskLogisticRegression
from ._regressors import MultiTaskLinearSVR, MultiTaskRidge

__all__ = ["MultiTaskLinearSVC", "MultiTaskLogisticRegression", "MultiTaskLinearSVR", "MultiTaskRidge"]
