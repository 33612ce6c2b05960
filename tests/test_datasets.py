"""The synthetic multi-task generator."""

import numpy as np
import pytest

from skmtl import MultiTaskKernelSVC
from skmtl.datasets import make_multitask_classification


def test_shapes_seed_and_labels():
    X, y, tasks, similarity = make_multitask_classification(300, n_tasks=6, n_features=4, random_state=0)
    assert X.shape == (300, 4) and y.shape == tasks.shape == (300,)
    assert set(np.unique(y)) == {0, 1} and set(np.unique(tasks)) == set(range(6))
    again = make_multitask_classification(300, n_tasks=6, n_features=4, random_state=0)
    for a, b in zip((X, y, tasks, similarity), again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(X, make_multitask_classification(300, n_tasks=6, n_features=4, random_state=1)[0])


def test_true_similarity_has_the_clusters():
    _, _, _, similarity = make_multitask_classification(100, n_tasks=9, n_clusters=3, task_spread=0.2, random_state=0)
    np.testing.assert_allclose(np.diag(similarity), 1)
    cluster = np.arange(9) % 3
    same = cluster[:, None] == cluster[None, :]
    off_diagonal = ~np.eye(9, dtype=bool)
    assert similarity[same & off_diagonal].min() > similarity[~same].max()


def test_as_frame_holds_the_task_column():
    pytest.importorskip("pandas")
    frame, y, tasks, _ = make_multitask_classification(50, n_tasks=3, n_features=2, as_frame=True, random_state=0)
    assert list(frame.columns) == ["x0", "x1", "task"]
    np.testing.assert_array_equal(frame["task"], np.char.add("task_", tasks.astype(str)))
    clf = MultiTaskKernelSVC(task_column="task").fit(frame, y)
    assert list(clf.tasks_) == ["task_0", "task_1", "task_2"]


def test_a_learned_similarity_recovers_the_true_one():
    X, y, tasks, truth = make_multitask_classification(
        1200, n_tasks=6, n_features=5, task_spread=0.2, label_noise=0.02, random_state=0
    )
    learned = MultiTaskKernelSVC(kernel="linear", C=0.1, task_similarity="learn").fit(X, y, tasks=tasks)
    upper = np.triu_indices(6, k=1)
    correlation = np.corrcoef(learned.task_similarity_[upper], truth[upper])[0, 1]
    assert correlation > 0.9


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_samples": 3, "n_tasks": 5}, "n_samples must be an integer of at least 5"),
        ({"n_tasks": 0}, "n_tasks"),
        ({"n_clusters": 11}, "n_clusters must be an integer from 1 to n_tasks=10"),
        ({"task_spread": -1.0}, "task_spread"),
        ({"label_noise": 0.5}, "label_noise"),
    ],
)
def test_bad_parameters_are_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_multitask_classification(**kwargs)
