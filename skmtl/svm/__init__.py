"""Relationship learning: kernel SVMs on a multi-task kernel."""

from ._classes import MultiTaskKernelSVC
from ._svr import MultiTaskKernelSVR

__all__ = ["MultiTaskKernelSVC", "MultiTaskKernelSVR"]
