"""Multi-task linear models, solved in the primal for large numbers of rows."""
