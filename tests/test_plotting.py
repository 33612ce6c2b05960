"""skmtl.plotting (and ComparisonResult.plot, which is plot_comparison): headless, labelled, readable for 2 to
200 tasks, and refusals."""

import io
import sys
import warnings

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib", reason="the plots need matplotlib (pip install 'skmtl[plot]')")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.compose import TransformedTargetRegressor  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

from skmtl import MultiTaskRidge, SharedMLPClassifier, SharedMLPRegressor  # noqa: E402
from skmtl._similarity import similarity_from_rho  # noqa: E402
from skmtl.metrics import SCORE_SCALES  # noqa: E402
from skmtl.model_selection._result import ComparisonResult  # noqa: E402
from skmtl.plotting import (  # noqa: E402
    plot_comparison,
    plot_loss_curves,
    plot_task_similarity,
    plot_task_weights,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _blocks(n_tasks, n_groups, seed=0):
    """A learned-looking Omega: tasks in shuffled groups, correlated within (values -0.6 .. 1.7)."""
    rng = np.random.RandomState(seed)
    groups = rng.permutation(np.arange(n_tasks) % n_groups)
    omega = 1.5 * (groups[:, None] == groups[None]) - 0.6 + 0.2 * rng.rand(n_tasks, n_tasks)
    omega = (omega + omega.T) / 2
    np.fill_diagonal(omega, 1.7)
    return omega, groups


def _labels(axis):
    return [label.get_text() for label in axis.get_ticklabels()]


def _no_overlap(labels):
    """No two tick labels' boxes, in pixels, intersect (once the figure is drawn)."""
    boxes = [label.get_window_extent() for label in labels if label.get_text()]
    return not any(a.overlaps(b) for k, a in enumerate(boxes) for b in boxes[k + 1:])


# -- plot_task_similarity ------------------------------------------------------


def test_similarity_heat_map_is_a_clustered_correlation_centred_on_zero():
    omega, groups = _blocks(12, 3)
    ax = plot_task_similarity(omega)
    image = ax.images[0]
    assert image.get_clim() == (-1.0, 1.0)  # correlations: symmetric, 0 in the middle
    assert image.get_cmap().name == "RdBu_r"
    assert image.get_array().max() == pytest.approx(1.0)  # normalized: the diagonal is 1
    assert "correlation" in ax.figure.axes[1].get_ylabel()  # the colour bar says what it shows
    assert ax.get_title() == "Task similarity (tasks ordered by clustering)"
    order = [int(t) for t in _labels(ax.yaxis)]
    assert sorted(order) == list(range(12))
    # Clustering puts each group's tasks side by side: the group changes twice along the axis.
    assert np.count_nonzero(np.diff(groups[order])) == 2


def test_unnormalized_unclustered_map_keeps_the_order_and_symmetric_limits():
    omega, _ = _blocks(5, 2)
    ax = plot_task_similarity(omega, tasks=list("abcde"), cluster=False, normalize=False, title="mine")
    assert _labels(ax.xaxis) == list("abcde") and ax.get_title() == "mine"
    low, high = ax.images[0].get_clim()
    assert high == pytest.approx(1.7) and low == -high
    assert "task similarity" in ax.figure.axes[1].get_ylabel()


def test_labels_are_thinned_and_do_not_overlap_for_200_tasks():
    omega, _ = _blocks(200, 4)
    ax = plot_task_similarity(omega, tasks=[f"site{k}" for k in range(200)])
    assert len(_labels(ax.xaxis)) <= 30 and len(_labels(ax.yaxis)) <= 30
    assert ax.get_xlabel() == "task, every 7th labelled"
    ax.figure.canvas.draw()
    assert _no_overlap(ax.get_xticklabels()) and _no_overlap(ax.get_yticklabels())
    assert len(_labels(plot_task_similarity(omega, max_labels=10).xaxis)) <= 10


def test_a_pipeline_ending_in_a_target_transform_gives_its_similarity_and_unfitted_models_are_said():
    rng = np.random.RandomState(0)
    X, tasks = rng.randn(60, 2), np.repeat(["a", "b", "c"], 20)
    y = X[:, 0] + 0.1 * rng.randn(60)
    nested = make_pipeline(StandardScaler(), TransformedTargetRegressor(MultiTaskRidge(task_similarity="learn")))
    nested.fit(X, y, transformedtargetregressor__tasks=tasks)
    ax = plot_task_similarity(nested, cluster=False)
    assert _labels(ax.xaxis) == ["a", "b", "c"]
    omega = nested[-1].regressor_.task_similarity_
    scale = np.sqrt(np.diag(omega))
    assert np.allclose(ax.images[0].get_array(), omega / np.outer(scale, scale))
    with pytest.raises(NotFittedError, match="MultiTaskRidge is not fitted yet"):
        plot_task_similarity(MultiTaskRidge(task_similarity="learn"))


def test_fitted_estimators_and_pipelines_give_their_similarity_and_tasks():
    rng = np.random.RandomState(0)
    X, tasks = rng.randn(90, 2), np.repeat(["a", "b", "c"], 30)
    y = X[:, 0] * np.where(tasks == "c", -1.0, 1.0) + 0.1 * rng.randn(90)
    model = MultiTaskRidge(task_similarity="learn").fit(X, y, tasks=tasks)
    ax = plot_task_similarity(model, cluster=False)
    assert _labels(ax.xaxis) == ["a", "b", "c"]
    pipe = make_pipeline(StandardScaler(), MultiTaskRidge(task_similarity=0.3)).fit(X, y, multitaskridge__tasks=tasks)
    given = plot_task_similarity(pipe, normalize=False, cluster=False).images[0].get_array()
    assert np.allclose(given, similarity_from_rho(0.3, 3))


@pytest.mark.parametrize(
    "similarity, message",
    [
        (np.ones((2, 3)), "square (n_tasks, n_tasks) matrix, got shape (2, 3)"),
        (np.array([[1.0, np.nan], [np.nan, 1.0]]), "NaN or infinite"),
        (SVC(), "SVC has no task_similarity_"),
        (np.array([[0.0, 0.0], [0.0, 1.0]]), "normalize=False"),
    ],
)
def test_similarity_refusals_are_one_line(similarity, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")) as error:
        plot_task_similarity(similarity)
    assert "\n" not in str(error.value)


def test_missing_matplotlib_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"plot_task_similarity needs matplotlib: pip install 'skmtl\[plot\]'"):
        plot_task_similarity(np.eye(2))


# -- loss curves and task weights -----------------------------------------------


@pytest.fixture(scope="module")
def network():
    """Three tasks of different noise, DWA weighting, early stopping: every curve there is."""
    rng = np.random.RandomState(0)
    X, tasks = rng.randn(240, 3), np.repeat(["a", "b", "c"], 80)
    y = X[:, 0] + np.select([tasks == "a", tasks == "b"], [0.1, 0.5], 1.5) * rng.randn(240)
    model = SharedMLPRegressor(hidden_layer_sizes=(8,), max_iter=12, n_iter_no_change=20, early_stopping=True,
                               loss_weighting="dwa", random_state=0)
    with warnings.catch_warnings(action="ignore"):  # 12 epochs: not converged
        return model.fit(X, y, tasks=tasks)


def test_loss_curves_show_total_tasks_and_validation(network):
    ax = plot_loss_curves(network)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("epoch", "training loss")
    names = [text.get_text() for text in ax.get_legend().get_texts()]
    assert names == ["task a", "task b", "task c", "total (loss_curve_)", "validation R² (mean over tasks)"]
    total = ax.lines[-1]
    assert list(total.get_xdata()) == list(range(1, 13)) and list(total.get_ydata()) == network.loss_curve_
    assert ax.figure.axes[1].get_ylabel() == "validation R² (mean over tasks)"  # its own y axis


def test_loss_curves_of_many_tasks_are_unnamed_and_a_subset_can_be_named(network):
    ax = plot_loss_curves(network, max_tasks=2)
    assert ax.get_legend().get_title().get_text() == "3 tasks in grey (over 2: not named)"
    assert not any(text.get_text().startswith("task") for text in ax.get_legend().get_texts())
    names = [text.get_text() for text in plot_loss_curves(network, tasks=["c"]).get_legend().get_texts()]
    assert names[0] == "task c" and "task a" not in names
    with pytest.raises(ValueError, match=r"tasks \['z'\] were not seen in fit"):
        plot_loss_curves(network, tasks=["z"])


def test_a_run_of_a_few_epochs_has_whole_epoch_ticks():
    rng = np.random.RandomState(0)
    X, tasks = rng.randn(40, 2), np.repeat(["a", "b"], 20)
    model = SharedMLPRegressor(hidden_layer_sizes=(4,), max_iter=5, loss_weighting="uncertainty", random_state=0)
    with warnings.catch_warnings(action="ignore"):  # 5 epochs: not converged
        model.fit(X, X[:, 0], tasks=tasks)
    for ax in (plot_loss_curves(model), plot_task_weights(model)):
        low, high = ax.get_xlim()
        ticks = [tick for tick in ax.get_xticks() if low <= tick <= high]
        assert ticks and all(float(tick).is_integer() for tick in ticks)  # not 1.5, 2.5, ...


def test_task_weights_over_epochs(network):
    ax = plot_task_weights(network)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("epoch", "task weight (1: the default objective)")
    assert ax.get_title() == "Task weights of SharedMLPRegressor (dwa)"
    lines = {line.get_label(): line for line in ax.lines}
    assert np.allclose(lines["task b"].get_ydata(), network.task_weight_history_[:, 1])
    assert "1 (equal)" in lines


def test_curve_refusals_name_what_is_missing(network):
    with pytest.raises(NotFittedError, match="SharedMLPClassifier is not fitted yet"):
        plot_loss_curves(SharedMLPClassifier())
    svc = SVC().fit([[0.0], [1.0]], [0, 1])
    with pytest.raises(ValueError, match="SVC has no loss_curve_"):
        plot_loss_curves(svc)
    with pytest.raises(ValueError, match="SVC has no task_weight_history_"):
        plot_task_weights(svc)
    equal = SharedMLPRegressor(hidden_layer_sizes=(4,), max_iter=2)
    with warnings.catch_warnings(action="ignore"):
        equal.fit(np.arange(20.0).reshape(10, 2), np.arange(10.0), tasks=np.arange(10) % 2)
    with pytest.raises(ValueError, match="set loss_weighting='uncertainty', 'dwa' or 'gradnorm'"):
        plot_task_weights(equal)


# -- ComparisonResult.plot -------------------------------------------------------


def _result(n_tasks, *, scoring="roc_auc", source="learned", seed=0):
    """A ComparisonResult of made-up scores (multi-task a little better), no fitting."""
    rng = np.random.RandomState(seed)
    shift = np.array([0.03, 0.0, -0.02])[:, None, None]
    scores = rng.uniform(0.55, 0.9, n_tasks) + rng.normal(0, 0.04, (3, 5, n_tasks)) + shift
    similarity = {"learned": _blocks(n_tasks, 3, seed)[0], "given": similarity_from_rho(0.5, n_tasks), None: None}
    return ComparisonResult(
        scoring=scoring, models=("multi-task", "independent", "pooled"), descriptions=("mt", "ind", "pool"),
        tasks=np.array([f"site{k}" for k in range(n_tasks)], dtype=object), task_sizes=np.full(n_tasks, 40),
        scores=scores, fit_times=np.ones((3, 5)), task_similarity=similarity[source], similarity_source=source,
    )


@pytest.mark.parametrize("n_tasks", [2, 29, 200])
def test_comparison_figure_is_readable_for_2_to_200_tasks(n_tasks):
    result = _result(n_tasks, source="learned" if n_tasks > 2 else None)
    figure = result.plot()
    width, height = figure.get_size_inches() * 120  # pixels of skmtl compare --plot's savefig(dpi=120)
    if n_tasks == 29:  # the size in inches is the size of the image: drawing it once shows so
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=120)
        assert matplotlib.image.imread(io.BytesIO(buffer.getvalue()), format="png").shape[:2] == (height, width)
    assert 1000 <= width <= 1600 and height <= 800
    figure.canvas.draw()
    scores, gains = figure.axes[:2]
    assert len(_labels(gains.xaxis)) <= 40 and _no_overlap(gains.get_xticklabels())
    # Tasks are sorted by the multi-task model's gain over the better baseline, largest first.
    heights = [bar.get_height() for bar in gains.patches]
    assert heights == sorted(heights, reverse=True)
    chance = [line for line in scores.lines if line.get_label() == "chance (0.5)"]
    assert len(chance) == 1 and list(chance[0].get_ydata()) == [0.5, 0.5]
    if n_tasks > 2:
        heat = figure.axes[2]
        assert heat.get_title() == "Learned task similarity (mean over 5 folds)"
        assert len(_labels(heat.xaxis)) <= 30 and _no_overlap(heat.get_xticklabels())
        low, high = heat.images[0].get_clim()
        assert low == -high


def test_a_given_constant_similarity_is_said_not_drawn():
    figure = _result(29, source="given").plot()
    assert len(figure.axes) == 2  # scores and gains: no heat map of one colour
    assert "Task similarity (given: rho=0.5) for every pair of tasks (no heat map)" in figure.legends[0].get_title().get_text()
    forced = _result(29, source="given").plot(similarity=True)
    assert forced.axes[2].get_title() == "Task similarity (given: rho=0.5) (the same for every pair)"
    given = _result(6, source="learned")
    given.similarity_source = "given"
    assert given.plot().axes[2].get_title() == "Task similarity (given)"
    assert given.to_dict()["similarity_source"] == "given"


def test_accuracy_has_no_chance_level_so_the_better_baseline_is_the_reference():
    result = _result(5, scoring="accuracy", source=None)
    lines = [line for line in result.plot().axes[0].lines if not line.get_label().startswith("_")]
    best = max(("independent", "pooled"), key=lambda model: result.summary()[model]["mean"])
    assert [line.get_label() for line in lines] == [f"{best}, task-averaged"]
    assert lines[0].get_ydata()[0] == pytest.approx(result.summary()[best]["mean"])
    with pytest.raises(ValueError, match="holds no task similarity"):
        result.plot(similarity=True)


def test_a_far_outlier_does_not_flatten_the_others_and_undefined_tasks_are_said():
    result = _result(12, scoring="r2", source=None)
    result.scores[0, :, 3] = -25.0  # one hopeless task of the multi-task model
    result.scores[:, :, 5] = np.nan  # a task no model could be scored on
    scores, gains = result.plot().axes
    assert scores.get_ylim()[0] > -1 and "1 point (1 task) below the axis (lowest -25)" in scores.get_title()
    assert "1 task below the axis" in gains.get_title()  # its gain too
    assert "above 0 on" in gains.get_title() and "of 11 tasks (1 undefined: no bar)" in gains.get_title()
    (zero,) = [line for line in scores.lines if line.get_label() == "0: each task's mean"]
    assert list(zero.get_ydata()) == [0, 0]


def test_plot_comparison_is_what_the_result_plots():
    result = _result(6)
    figure, same = plot_comparison(result, figsize=(9, 5)), result.plot(figsize=(9, 5))
    assert list(figure.get_size_inches()) == [9, 5]
    assert [ax.get_title() for ax in figure.axes] == [ax.get_title() for ax in same.axes]
    assert [label.get_text() for label in figure.legends[0].get_texts()][-1] == "chance (0.5)"  # models first


def test_undefined_baselines_give_no_reference_line_and_all_undefined_a_plain_axis():
    result = _result(4, scoring="accuracy", source=None)
    result.scores[1:] = np.nan  # no baseline could be scored: no "better baseline" to draw
    scores = result.plot().axes[0]
    assert [line.get_label() for line in scores.lines if not line.get_label().startswith("_")] == []
    assert [text.get_text() for text in scores.figure.legends[0].get_texts()][1:] == [
        "independent (undefined)", "pooled (undefined)"]
    assert np.isfinite(scores.get_ylim()).all()
    result.scores[:] = np.nan
    assert result.plot().axes[0].get_ylim() == (0.0, 1.0)


def test_a_learned_similarity_with_a_zero_diagonal_entry_is_drawn_as_it_is():
    result = _result(4)
    result.task_similarity[2, :] = result.task_similarity[:, 2] = 0.0  # a task the model shared nothing with
    heat = result.plot().axes[2]
    assert "task similarity" in heat.figure.axes[3].get_ylabel()  # Omega itself: its correlation is undefined


@pytest.mark.parametrize("scoring", sorted(SCORE_SCALES))
def test_every_scorer_has_its_reference_and_the_axis_stops_at_the_best_score(scoring):
    result = _result(5, scoring=scoring, source=None)
    scale = SCORE_SCALES[scoring]
    chance = None if scale.floor_value is None else (scale.floor_value, scale.floor_label)
    best = scale.best
    shift = -1.0 if best == 0.0 else 0.0  # negated losses are at most 0
    result.scores += shift
    result.scores[:, :, 0] = best + np.array([0.3, -0.3, 0.0, 0.3, -0.3])  # error bars far past the best
    scores = result.plot().axes[0]
    (line,) = [line for line in scores.lines if not line.get_label().startswith("_")]
    if chance is not None:
        assert (line.get_ydata()[0], line.get_label()) == chance
    low, high = scores.get_ylim()
    assert best <= high <= best + 0.03 * (high - low)


def test_every_task_scorer_has_its_levels_and_the_normalized_mse_is_referenced_to_each_tasks_mean():
    from skmtl.metrics import TASK_SCORER_NAMES

    assert sorted(SCORE_SCALES) == sorted(TASK_SCORER_NAMES)
    scale = SCORE_SCALES["neg_normalized_mean_squared_error"]
    assert (scale.best, scale.floor_value, scale.floor_label) == (0.0, -1.0, "-1: each task's mean")


def test_29_short_labels_stay_side_by_side_and_long_ones_turn_upright():
    short = _result(29, source=None)
    short.tasks = np.array([str(k) for k in range(1, 30)], dtype=object)  # Landmine's ids
    figure = short.plot()
    figure.canvas.draw()
    labels = figure.axes[1].get_xticklabels()
    assert labels[0].get_rotation() == 0 and _no_overlap(labels)
    long = _result(29, source=None).plot().axes[1].get_xticklabels()  # "site28": 6 characters
    assert long[0].get_rotation() == 90

