"""The classic Keras two-task network, with SharedMLPClassifier.

The Keras original (functional API) trains one network on digit images for
two tasks at once: shared dense layers, then one softmax head per task, each
with its own categorical cross-entropy, Adam on the sum::

    inputs = keras.Input(shape=(784,))                                 # 28x28 images, flattened
    x = layers.Dense(64, activation="relu")(inputs)                    # shared layers
    x = layers.Dense(64, activation="relu")(x)
    digit = layers.Dense(10, activation="softmax", name="digit")(x)    # head of task 1
    parity = layers.Dense(2, activation="softmax", name="parity")(x)   # head of task 2
    model = keras.Model(inputs, [digit, parity])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss={"digit": "categorical_crossentropy",
                        "parity": "categorical_crossentropy"},
                  loss_weights={"digit": 1.0, "parity": 1.0})
    model.fit(X, {"digit": Y_digit, "parity": Y_parity}, batch_size=32, epochs=30)

Here it runs on scikit-learn's 8x8 digits (no download). Line by line:

* ``keras.Input(shape=(784,))`` -> the number of columns of ``X`` (64 here);
  skmtl reads it in ``fit``.
* the shared ``Dense(64, relu)`` layers -> ``hidden_layer_sizes=(64, 64)`` and
  ``activation="relu"``.
* one ``Dense(k, softmax)`` head per task -> made for you: each task gets a
  head with as many softmax outputs as it has classes (one sigmoid output
  for a two-class task, which is the same model as a 2-way softmax).
  ``task_hidden_layer_sizes`` would add per-task layers before the heads.
* ``categorical_crossentropy`` on one-hot targets -> the labels as they are;
  each head's loss is the cross-entropy of its own rows.
* ``loss_weights`` -> ``task_weights`` (a dict keyed by task id). Keras adds
  the heads' mean losses; skmtl averages over all rows of a batch, which for
  two equally sized tasks is half that sum. Under Adam a constant factor on
  the loss does not change the steps, so the two train alike.
* ``Adam(1e-3)`` -> ``solver="adam"``, ``learning_rate_init=1e-3``;
  ``batch_size=32, epochs=30`` -> ``batch_size=32, max_iter=30``.
* ``model.fit(X, {"digit": ..., "parity": ...})`` -> long format: every image
  appears once per task, with the task's name in ``tasks=`` and that task's
  label in ``y``. (Keras needs every image labelled for every task; in long
  format a task may have its own images, or miss some labels.)
* ``model.predict(X)`` returns both heads -> ``predict(X, tasks=...)`` answers
  the task each row asks about.

Run: ``python examples/keras_two_tasks.py``
"""

import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skmtl import SharedMLPClassifier

X, digit = load_digits(return_X_y=True)
X_train, X_test, digit_train, digit_test = train_test_split(X, digit, test_size=0.25, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)


def long_format(X, digit):
    """Keras's {"digit": ..., "parity": ...} targets as rows: each image once per task."""
    labels = {"digit": digit, "parity": np.where(digit % 2 == 0, "even", "odd")}
    rows = np.vstack([X] * len(labels))
    y = np.concatenate([labels[task].astype(str) for task in labels])
    tasks = np.repeat(list(labels), len(digit))
    return rows, y, tasks


X_long, y_long, tasks = long_format(X_train, digit_train)
model = SharedMLPClassifier(
    hidden_layer_sizes=(64, 64),
    activation="relu",
    solver="adam",
    learning_rate_init=1e-3,
    batch_size=32,
    max_iter=30,
    task_weights={"digit": 1.0, "parity": 1.0},
    random_state=0,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # 30 epochs, as in Keras: no stopping rule
    model.fit(X_long, y_long, tasks=tasks)

print("tasks:", [str(task) for task in model.tasks_])
print("labels of each head:", {str(task): labels.tolist() for task, labels in model.task_classes_.items()})
X_test_long, y_test_long, tasks_test = long_format(X_test, digit_test)
for task in model.tasks_:
    rows = tasks_test == task
    accuracy = model.score(X_test_long[rows], y_test_long[rows], tasks=tasks_test[rows])
    print(f"test accuracy, {task}: {accuracy:.3f}")
print("per-task training loss, last epoch:",
      {str(task): round(curve[-1], 4) for task, curve in model.task_loss_curves_.items()})
# Both answers for the first test image, as Keras's two outputs would give them:
print("first test image:", model.predict(X_test[:1].repeat(2, axis=0), tasks=["digit", "parity"]))
