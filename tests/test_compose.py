"""FeatureTransformer: preprocess the features, pass the task column through untouched."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmtl import MultiTaskKernelSVC, SharedMLPClassifier
from skmtl.compose import FeatureTransformer


def _data(ids=(3, 5, 9), seed=0):
    rng = np.random.RandomState(seed)
    tasks = np.repeat(np.array(ids), 30)[rng.permutation(90)]  # every fold holds each task
    features = rng.randn(len(tasks), 3) * [1.0, 10.0, 100.0]
    flip = np.where(tasks == ids[-1], -1.0, 1.0)
    y = (flip * (features[:, 0] + features[:, 1] / 10) > 0).astype(int)
    return features, tasks, y


def test_a_scaler_before_the_estimator_standardises_the_task_ids_and_is_refused():
    features, tasks, y = _data()
    X = np.column_stack([features, tasks])
    naive = make_pipeline(StandardScaler(), MultiTaskKernelSVC(task_column=3))
    with pytest.raises(ValueError, match="looks like a transformed column.*FeatureTransformer"):
        naive.fit(X, y)


def test_feature_transformer_scales_features_and_keeps_integer_ids():
    features, tasks, y = _data()
    X = np.column_stack([features[:, :1], tasks, features[:, 1:]])
    model = make_pipeline(
        FeatureTransformer(StandardScaler(), task_column=1), MultiTaskKernelSVC(task_column=1)
    ).fit(X, y)
    assert model[-1].tasks_.tolist() == [3, 5, 9]
    scaled = StandardScaler().fit_transform(features)
    by_hand = MultiTaskKernelSVC().fit(scaled, y, tasks=tasks)
    np.testing.assert_allclose(model.decision_function(X), by_hand.decision_function(scaled, tasks=tasks))
    out = model[0].transform(X)
    np.testing.assert_array_equal(out[:, 1], tasks)  # the index the column had
    np.testing.assert_allclose(np.delete(out, 1, axis=1), scaled)


def test_text_task_ids_in_an_array_and_a_negative_index():
    features, tasks, y = _data(ids=("hill", "lake", "moor"))
    X = np.column_stack([features.astype(object), tasks])
    model = make_pipeline(
        FeatureTransformer(StandardScaler(), task_column=-1), MultiTaskKernelSVC(task_column=-1)
    ).fit(X, y)
    assert model[-1].tasks_.tolist() == ["hill", "lake", "moor"]
    assert model.score(X, y) > 0.9


def test_dataframe_keeps_names_and_works_in_grid_search():
    features, tasks, y = _data(ids=("hill", "lake", "moor"))
    X = pd.DataFrame(features, columns=["x1", "x2", "x3"])
    X.insert(1, "school", tasks)
    pipe = make_pipeline(
        FeatureTransformer(StandardScaler(), task_column="school"),
        MultiTaskKernelSVC(task_column="school"),
    )
    search = GridSearchCV(pipe, {"featuretransformer__transformer__with_mean": [True, False]}, cv=3)
    search.fit(X, y)
    out = search.best_estimator_[0].transform(X)
    assert list(out.columns) == ["x1", "school", "x2", "x3"]
    assert out["school"].tolist() == tasks.tolist()
    assert list(search.best_estimator_[0].get_feature_names_out()) == ["x1", "school", "x2", "x3"]
    assert list(search.best_estimator_[-1].tasks_) == ["hill", "lake", "moor"]
    assert clone(pipe).get_params()["featuretransformer__task_column"] == "school"


def test_sparse_features_with_a_task_column():
    features, tasks, y = _data()
    X = sp.csr_matrix(np.column_stack([features, tasks]))
    out = FeatureTransformer(StandardScaler(with_mean=False), task_column=3).fit_transform(X)
    assert sp.issparse(out)
    np.testing.assert_array_equal(out[:, 3].toarray().ravel(), tasks)


def test_the_network_takes_the_same_pipeline():
    features, tasks, y = _data()
    X = np.column_stack([features, tasks])
    model = make_pipeline(
        FeatureTransformer(StandardScaler(), task_column=3),
        SharedMLPClassifier(hidden_layer_sizes=(8,), max_iter=300, random_state=0, task_column=3),
    ).fit(X, y)
    assert model[-1].tasks_.tolist() == [3, 5, 9]
    assert model.score(X, y) > 0.8


def test_a_transformer_without_transform_is_refused():
    with pytest.raises(ValueError, match="transformer.*must be an object implementing"):
        FeatureTransformer(MultiTaskKernelSVC(), task_column=0).fit(np.ones((4, 2)))


@parametrize_with_checks([FeatureTransformer(StandardScaler(), task_column=0), FeatureTransformer(StandardScaler(with_mean=False), task_column=-1)])
def test_sklearn_checks(estimator, check):
    check(estimator)


def test_a_position_from_the_end_on_a_dataframe_survives_a_change_of_width():
    """task_column=-1 must still be the last column when the transformer adds columns."""
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"city": rng.choice(["a", "b", "c"], 90), "task": np.repeat([10, 20, 30], 30)})
    y = np.tile([0, 1], 45)
    step = FeatureTransformer(OneHotEncoder(sparse_output=False), task_column=-1)
    out = step.fit_transform(frame)
    assert list(out.columns) == ["city_a", "city_b", "city_c", "task"]
    model = make_pipeline(step, MultiTaskKernelSVC(task_column=-1)).fit(frame, y)
    assert model[-1].tasks_.tolist() == [10, 20, 30]
    # The same on pd.DataFrame(array): names that are positions stay positions.
    plain = pd.DataFrame(frame.to_numpy())
    out = FeatureTransformer(OneHotEncoder(sparse_output=False), task_column=-1).fit_transform(plain)
    assert list(out.columns) == [0, 1, 2, 3] and out[3].tolist() == frame["task"].tolist()
    assert make_pipeline(FeatureTransformer(OneHotEncoder(sparse_output=False), task_column=-1),
                         MultiTaskKernelSVC(task_column=-1)).fit(plain, y)[-1].tasks_.tolist() == [10, 20, 30]


def test_sparse_output_of_the_wrapped_transformer_on_a_dataframe():
    """OneHotEncoder() returns a sparse matrix by default; the frame carries it as sparse columns."""
    from sklearn.compose import make_column_transformer
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"x": rng.randn(90), "city": rng.choice(["a", "b"], 90), "task": np.repeat(["p", "q", "r"], 30)})
    y = (frame["x"] > 0).astype(int)
    encode = make_column_transformer((OneHotEncoder(), ["city"]), remainder="passthrough")
    model = make_pipeline(FeatureTransformer(encode, task_column="task"), MultiTaskKernelSVC(task_column="task"))
    assert model.fit(frame, y).score(frame, y) > 0.8
    assert list(model[-1].tasks_) == ["p", "q", "r"]


def test_feature_names_keep_their_input_indices():
    features, tasks, y = _data()
    X = np.column_stack([tasks, features])
    step = FeatureTransformer(StandardScaler(), task_column=0).fit(X)
    assert list(step.get_feature_names_out()) == ["x0", "x1", "x2", "x3"]
    model = make_pipeline(step, MultiTaskKernelSVC(task_column=0)).set_output(transform="pandas")
    assert model.fit(X, y)[-1].tasks_.tolist() == [3, 5, 9]
