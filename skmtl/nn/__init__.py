"""Parameter-sharing neural estimators, on a small NumPy autograd engine."""
