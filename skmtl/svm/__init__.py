"""Relationship learning: kernel SVMs on a multi-task kernel."""

from ._classes import MultiTaskKernelSVC

__all__ = ["MultiTaskKernelSVC"]
