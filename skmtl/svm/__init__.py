"""Relationship learning: kernel machines on a multi-task kernel."""

from ._classes import MultiTaskKernelSVC
from ._kernel_ridge import MultiTaskKernelRidge
from ._svr import MultiTaskKernelSVR

__all__ = ["MultiTaskKernelRidge", "MultiTaskKernelSVC", "MultiTaskKernelSVR"]
