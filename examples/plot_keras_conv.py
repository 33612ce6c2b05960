"""
The founding Keras network: two image inputs, two tasks
=======================================================

The network that started skmtl's convolutional trunk: two grey
images per sample, each through its own convolution and pooling, shared
dense layers, and one softmax head per task (the digit in the first image and
the digit in the second), written with :class:`~skmtl.SharedCNNClassifier`
and compared with one CNN per task and with a shared dense network on the
raw pixels. The gallery runs it short (512 training pairs, 5 epochs, a few
seconds); ``python examples/plot_keras_conv.py --full`` runs 2048 pairs for
10 epochs (under a minute on two cores).
"""

# %%
# The Keras original
# ------------------
# In Keras's functional API::
#
#     input_1 = keras.Input(shape=(28, 28, 1))                           # first image
#     input_2 = keras.Input(shape=(28, 28, 1))                           # second image
#     x1 = layers.Conv2D(32, (3, 3), activation="relu")(input_1)         # tower of image 1
#     x1 = layers.MaxPooling2D((2, 2))(x1)
#     x2 = layers.Conv2D(32, (3, 3), activation="relu")(input_2)         # tower of image 2
#     x2 = layers.MaxPooling2D((2, 2))(x2)
#     x = layers.Concatenate()([layers.Flatten()(x1), layers.Flatten()(x2)])
#     x = layers.Dense(128, activation="relu")(x)                        # shared layers
#     x = layers.Dense(64, activation="relu")(x)
#     digit_1 = layers.Dense(10, activation="softmax", name="digit_1")(x)  # head of task 1
#     digit_2 = layers.Dense(10, activation="softmax", name="digit_2")(x)  # head of task 2
#     model = keras.Model([input_1, input_2], [digit_1, digit_2])
#     model.compile(optimizer="adam",
#                   loss={"digit_1": "categorical_crossentropy",
#                         "digit_2": "categorical_crossentropy"})
#     model.fit([X_1, X_2], {"digit_1": Y_1, "digit_2": Y_2}, batch_size=32, epochs=10)
#
# The data: MultiMNIST in small
# -----------------------------
# No download: scikit-learn's 8x8 digits, upsampled to 28x28 (bilinear,
# :func:`scipy.ndimage.zoom`) and scaled to [0, 1]. The digit images are split
# 75/25 into train and test first, then each sample pairs two random images
# of its split (fixed seed), so no test image was seen in training.
#
# Keras's two ``keras.Input(shape=(28, 28, 1))`` become one array of shape
# ``(n, 28, 28, 2)``: the two images stacked as the two channels of one image
# (channels last, as Keras writes images). Keras's target dict
# ``{"digit_1": ..., "digit_2": ...}`` becomes a DataFrame with a "digit_1"
# and a "digit_2" column (the wide form): one row per sample, one column per
# task, the column names are the task ids. A missing label (NaN) is allowed:
# only that task skips that sample.

import argparse
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.ndimage import zoom
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split

from skmtl import SharedCNNClassifier, SharedMLPClassifier

parser = argparse.ArgumentParser(description="The founding two-input network, with SharedCNNClassifier.")
parser.add_argument("--full", action="store_true", help="2048 training pairs, 1024 test pairs, 10 epochs")
full = parser.parse_known_args()[0].full  # known args only: a docs builder may pass its own
n_train, n_test, epochs = (2048, 1024, 10) if full else (512, 512, 5)

# 8x8 digits at 28x28 in [0, 1]: 8 * 3.5 = 28, bilinear so no pixel leaves [0, 1]
digits = load_digits()
images = np.clip(zoom(digits.images / 16.0, (1, 3.5, 3.5), order=1), 0.0, 1.0).astype(np.float32)
images_train, images_test, labels_train, labels_test = train_test_split(
    images, digits.target, test_size=0.25, stratify=digits.target, random_state=0
)


def pairs(images, labels, n, seed):
    """``n`` samples of two random images of the split: X (n, 28, 28, 2) and the wide y."""
    first, second = np.random.RandomState(seed).randint(len(images), size=(2, n))
    X = np.stack([images[first], images[second]], axis=-1)  # the two inputs as two channels
    y = pd.DataFrame({"digit_1": labels[first], "digit_2": labels[second]})  # Keras's {"digit_1": ..., ...}
    return X, y


X_train, y_train = pairs(images_train, labels_train, n_train, seed=0)
X_test, y_test = pairs(images_test, labels_test, n_test, seed=1)
print(f"{n_train} training pairs, {n_test} test pairs, images {X_train.shape[1:]}, {epochs} epochs")

# %%
# The network, line by line
# -------------------------
# * one ``Conv2D(32, (3, 3), activation="relu")`` per input ->
#   ``conv_layers=[(32, 3)]`` with ``conv_groups=2``: the channels are split
#   into 2 groups, each with its own 32 filters of 3x3 (PyTorch's
#   ``nn.Conv2d(2, 64, 3, groups=2)``); ``activation="relu"`` is the
#   activation of every convolution and dense layer; ``padding="valid"`` is
#   Keras's default too (26x26 maps).
# * one ``MaxPooling2D((2, 2))`` per input -> ``pool_size=2`` (13x13 maps).
# * ``Flatten`` each, then ``Concatenate`` -> done for you: the 2 x 32 maps
#   are flattened together into 2 x 32 x 13 x 13 = 10,816 features, the
#   first image's 32 maps first. The order within the vector is PyTorch's
#   (channel, row, column), not Keras's (row, column, channel): a permutation
#   of the inputs of the next layer, so the same family of networks.
# * the shared ``Dense(128, relu)`` and ``Dense(64, relu)`` ->
#   ``hidden_layer_sizes=(128, 64)``.
# * the two ``Dense(10, softmax)`` heads -> made for you, one per column of
#   ``y``, each with as many softmax outputs as its task has classes.
#   ``task_hidden_layer_sizes`` would add per-task layers before the heads.
# * ``categorical_crossentropy`` on one-hot targets -> the integer labels as
#   they are; each head's loss is the cross-entropy of its own task's labels.
#   Keras adds the two heads' mean losses; skmtl averages over all labels of
#   a batch, which for two fully labelled tasks is half that sum, and a
#   constant factor on the loss does not change Adam's steps.
# * ``optimizer="adam"`` -> ``solver="adam"`` (``learning_rate_init=1e-3``,
#   Keras's default rate); Keras adds no weight penalty by default, so
#   ``alpha=0.0`` (skmtl's default is 1e-4, MLPClassifier's L2 term).
#   ``batch_size=32, epochs=10`` -> ``batch_size=32, max_iter=10`` (5 here).
# * ``model.fit([X_1, X_2], {...})`` -> ``fit(X, y)`` with the stacked
#   images and the wide ``y``; ``model.predict([X_1, X_2])`` returns both
#   heads -> ``predict(X)`` returns a DataFrame with both tasks' labels, one
#   row per sample.
#
# What differs: the initial weights, which are not a parameter (convolutions
# as PyTorch initialises ``nn.Conv2d``, dense layers as ``MLPClassifier``;
# Keras uses Glorot uniform for both), and Adam's epsilon, left at skmtl's
# default 1e-8 here (Keras's is 1e-7; ``epsilon=1e-7`` would match it).

layers = dict(conv_layers=[(32, 3)], pool_size=2, hidden_layer_sizes=(128, 64), activation="relu")
training = dict(solver="adam", learning_rate_init=1e-3, alpha=0.0, batch_size=32, max_iter=epochs, random_state=0)


def fit(model, X, y):
    """``model.fit(X, y)`` for a fixed number of epochs, as in Keras: no stopping rule, no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


accuracy = {}  # (model, task) -> test accuracy
start = time.perf_counter()
model = fit(SharedCNNClassifier(**layers, conv_groups=2, **training), X_train, y_train)
shared_time = time.perf_counter() - start
print("convolution weights (nn.Conv2d layout: out, in / groups, kh, kw):", model.conv_coefs_[0].shape)
print("first dense layer (fan_in, fan_out):", model.coefs_[0].shape)
predicted = model.predict(X_test)  # a DataFrame: a "digit_1" and a "digit_2" column
for task in model.tasks_:
    accuracy["shared CNN", task] = accuracy_score(y_test[task], predicted[task])
print(f"fit time, shared CNN: {shared_time:.1f} s")

# %%
# Two baselines
# -------------
# Each with the same layers and training (Adam, batch 32, the same epochs):
#
# * one CNN per task: :class:`~skmtl.SharedCNNClassifier` on that task's own
#   image only (one channel, ``conv_groups=1``, one ``Conv2D(32, 3)`` tower)
#   with a 1-D ``y``, a single-task network: two networks in all;
# * :class:`~skmtl.SharedMLPClassifier` with ``hidden_layer_sizes=(128, 64)``
#   on the flattened pixels of both images (1568 columns) and the same wide
#   ``y``: the shared network without its convolutions.

start = time.perf_counter()
for channel, task in enumerate(y_train.columns):
    single = fit(SharedCNNClassifier(**layers, conv_groups=1, **training), X_train[..., channel], y_train[task])
    accuracy["one CNN per task", task] = accuracy_score(y_test[task], single.predict(X_test[..., channel]))
print(f"fit time, one CNN per task (both): {time.perf_counter() - start:.1f} s")

start = time.perf_counter()
mlp = SharedMLPClassifier(hidden_layer_sizes=(128, 64), activation="relu", **training)
fit(mlp, X_train.reshape(n_train, -1), y_train)
predicted_mlp = mlp.predict(X_test.reshape(n_test, -1))
for task in mlp.tasks_:
    accuracy["shared MLP on pixels", task] = accuracy_score(y_test[task], predicted_mlp[task])
print(f"fit time, shared MLP: {time.perf_counter() - start:.1f} s")
for (name, task), value in accuracy.items():
    print(f"test accuracy, {name}, {task}: {value:.3f}")

# %%
# Test accuracy of the three models
# ---------------------------------
# Sharing brings nothing here, and the figure shows it: each task reads only
# its own image and the two towers have their own filters, so the only thing
# shared is the dense layers, which must carry both digits where each
# single-task network gives all its 128 and 64 units to one digit. In this
# short run the shared CNN is behind one CNN per task on both digits, and
# not ahead of the dense network on the raw pixels. With 2048 pairs and 10
# epochs (``--full``; the numbers are in ``benchmarks/README.md``) the gap
# between the two CNNs mostly closes. This network is here to show how a
# Keras multi-input, multi-output model is written, not as a case where
# multi-task learning helps.

models = ["shared CNN", "one CNN per task", "shared MLP on pixels"]
tasks = list(y_train.columns)
fig, ax = plt.subplots(figsize=(6.4, 3.8), layout="constrained")
width = 0.8 / len(tasks)
for k, task in enumerate(tasks):
    heights = [accuracy[name, task] for name in models]
    bars = ax.bar(np.arange(len(models)) + (k - (len(tasks) - 1) / 2) * width, heights, width, label=task)
    ax.bar_label(bars, fmt="%.2f", fontsize=8)
ax.axhline(0.1, color="grey", linestyle="--", linewidth=1, label="chance (1 in 10)")
ax.set_xticks(np.arange(len(models)), models)
ax.set_ylim(0, 1.15)
ax.set_ylabel("test accuracy")
ax.set_title(f"Two digits per sample: {n_train} training pairs, {epochs} epochs")
ax.legend(loc="upper center", ncols=3, fontsize=8)

# %%
# Both answers for a few test pairs
# ---------------------------------
# The shared CNN's ``predict`` answers both tasks for each sample, as Keras's
# two outputs would; a wrong answer is in red.

fig, axes = plt.subplots(1, 4, figsize=(8, 2.1), layout="constrained")
for k, ax in enumerate(axes):
    ax.imshow(np.hstack([X_test[k, ..., 0], X_test[k, ..., 1]]), cmap="gray_r")
    right = all(predicted[task].iloc[k] == y_test[task].iloc[k] for task in tasks)
    answer = " and ".join(str(predicted[task].iloc[k]) for task in tasks)
    ax.set_title(f"predicted {answer}", color="black" if right else "tab:red", fontsize=10)
    ax.set_xlabel(f"true {' and '.join(str(y_test[task].iloc[k]) for task in tasks)}", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("Shared CNN on test pairs (first image | second image)")
first = predicted.iloc[0]
print(f"first test pair: digits {first['digit_1']} and {first['digit_2']} "
      f"(true {y_test['digit_1'].iloc[0]} and {y_test['digit_2'].iloc[0]})")

if __name__ == "__main__":
    plt.show()
