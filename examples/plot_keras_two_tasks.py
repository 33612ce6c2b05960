"""
The classic Keras two-task network, with SharedMLPClassifier
============================================================

One network trained on digit images for two tasks at once: shared dense
layers, then one softmax head per task (the digit, and whether it is even or
odd). This example writes Keras's functional-API version line by line with
:class:`~skmtl.SharedMLPClassifier`, trains it on the wide form of the
targets (one column per task), and draws each task's training loss over the
epochs.
"""

# %%
# The Keras original
# ------------------
# Shared dense layers, one softmax head per task, each with its own
# categorical cross-entropy, Adam on the sum::
#
#     inputs = keras.Input(shape=(784,))                                 # 28x28 images, flattened
#     x = layers.Dense(64, activation="relu")(inputs)                    # shared layers
#     x = layers.Dense(64, activation="relu")(x)
#     digit = layers.Dense(10, activation="softmax", name="digit")(x)    # head of task 1
#     parity = layers.Dense(2, activation="softmax", name="parity")(x)   # head of task 2
#     model = keras.Model(inputs, [digit, parity])
#     model.compile(optimizer=keras.optimizers.Adam(1e-3),
#                   loss={"digit": "categorical_crossentropy",
#                         "parity": "categorical_crossentropy"},
#                   loss_weights={"digit": 1.0, "parity": 1.0})
#     model.fit(X, {"digit": Y_digit, "parity": Y_parity}, batch_size=32, epochs=30)
#
# Here it runs on scikit-learn's 8x8 digits (no download), standardised.

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skmtl import SharedMLPClassifier
from skmtl.plotting import plot_loss_curves

X, digit = load_digits(return_X_y=True)
X_train, X_test, digit_train, digit_test = train_test_split(X, digit, test_size=0.25, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# %%
# The targets in the wide form
# ----------------------------
# ``model.fit(X, {"digit": ..., "parity": ...})`` becomes ``fit(X, y)`` with
# ``y`` a DataFrame with a "digit" and a "parity" column (the wide form): one
# row per image, one column per task, the column names are the task ids.
# Each column keeps its own labels (here integers and strings). A missing
# label is allowed: NaN or None in its cell, and only that task skips that
# image, which Keras's ``fit`` does not accept (it needs a target for every
# image and every output). The long form (one row per image and task, with
# ``tasks=``) trains the same model, and suits tasks with images of their own.


def targets(digit):
    """Keras's {"digit": ..., "parity": ...} targets as one DataFrame: a column per task."""
    return pd.DataFrame({"digit": digit, "parity": np.where(digit % 2 == 0, "even", "odd")})


y_train, y_test = targets(digit_train), targets(digit_test)

# %%
# The network, line by line
# -------------------------
# * ``keras.Input(shape=(784,))`` -> the number of columns of ``X`` (64
#   here); skmtl reads it in ``fit``.
# * the shared ``Dense(64, relu)`` layers -> ``hidden_layer_sizes=(64, 64)``
#   and ``activation="relu"``.
# * one ``Dense(k, softmax)`` head per task -> made for you: each task gets a
#   head with as many softmax outputs as it has classes (one sigmoid output
#   for a two-class task, which is the same model as a 2-way softmax).
#   ``task_hidden_layer_sizes`` would add per-task layers before the heads.
# * ``categorical_crossentropy`` on one-hot targets -> the labels as they
#   are; each head's loss is the cross-entropy of its own task's labels.
# * ``loss_weights`` -> ``task_weights`` (a dict keyed by task id). Keras
#   adds the heads' mean losses; skmtl averages over all labels of a batch,
#   which for two fully labelled tasks is half that sum. Under Adam a
#   constant factor on the loss does not change the steps, so the two train
#   alike.
# * ``Adam(1e-3)`` -> ``solver="adam"``, ``learning_rate_init=1e-3``;
#   ``batch_size=32, epochs=30`` -> ``batch_size=32, max_iter=30`` (a batch
#   is 32 images, each with its two labels).
# * Keras adds no weight penalty unless a layer asks for one -> ``alpha=0.0``
#   (skmtl's default, as MLPClassifier's, is an L2 penalty of 1e-4, whose
#   weight beside the halved loss would differ from a Keras run).

model = SharedMLPClassifier(
    hidden_layer_sizes=(64, 64),
    activation="relu",
    solver="adam",
    learning_rate_init=1e-3,
    batch_size=32,
    max_iter=30,
    alpha=0.0,
    task_weights={"digit": 1.0, "parity": 1.0},
    random_state=0,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # 30 epochs, as in Keras: no stopping rule
    model.fit(X_train, y_train)
print("labels of each head:", {str(task): labels.tolist() for task, labels in model.task_classes_.items()})

# %%
# Predictions: both heads at once
# -------------------------------
# ``model.predict(X)`` returns both heads in Keras -> ``predict(X)`` returns a
# DataFrame with both tasks' labels, one row per image (``predict_proba(X)``:
# a list with each task's class probabilities, as Keras's list of outputs).

predicted = model.predict(X_test)  # a DataFrame: a "digit" and a "parity" column
for task in model.tasks_:
    print(f"test accuracy, {task}: {accuracy_score(y_test[task], predicted[task]):.3f}")
first = predicted.iloc[0]  # both answers for the first test image, as Keras's two outputs
print(f"first test image: digit {first['digit']}, parity {first['parity']}")

# %%
# Training loss of each task
# --------------------------
# ``task_loss_curves_`` holds each task's mean training loss after every
# epoch, and ``loss_curve_`` the objective that was minimised (with the
# default ``task_weights``, the mean loss over all labels of the epoch; no
# L2 term here, as ``alpha=0``). :func:`skmtl.plotting.plot_loss_curves`
# draws them; with losses spanning more than a factor 30 the y axis is logarithmic. The digit
# head's loss starts higher (a ten-class cross-entropy at chance is
# log 10 = 2.3, a two-class one log 2 = 0.69), and both fall steadily over
# the 30 epochs. A training loss says nothing about overfitting: the test
# accuracies above are the check.

ax = plot_loss_curves(model)
ax.set_title("Two heads on one trunk: training loss per task")

if __name__ == "__main__":
    plt.show()
