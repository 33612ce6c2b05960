"""The founding Keras network (issue 12): two image inputs, two tasks, with SharedCNNClassifier.

The Keras original (functional API) reads two 28x28 grey images per sample,
each through its own convolution and pooling; the two feature maps are
flattened, concatenated and go through shared dense layers, then one softmax
head per task: the digit in the first image and the digit in the second::

    input_1 = keras.Input(shape=(28, 28, 1))                           # first image
    input_2 = keras.Input(shape=(28, 28, 1))                           # second image
    x1 = layers.Conv2D(32, (3, 3), activation="relu")(input_1)         # tower of image 1
    x1 = layers.MaxPooling2D((2, 2))(x1)
    x2 = layers.Conv2D(32, (3, 3), activation="relu")(input_2)         # tower of image 2
    x2 = layers.MaxPooling2D((2, 2))(x2)
    x = layers.Concatenate()([layers.Flatten()(x1), layers.Flatten()(x2)])
    x = layers.Dense(128, activation="relu")(x)                        # shared layers
    x = layers.Dense(64, activation="relu")(x)
    digit_1 = layers.Dense(10, activation="softmax", name="digit_1")(x)  # head of task 1
    digit_2 = layers.Dense(10, activation="softmax", name="digit_2")(x)  # head of task 2
    model = keras.Model([input_1, input_2], [digit_1, digit_2])
    model.compile(optimizer="adam",
                  loss={"digit_1": "categorical_crossentropy",
                        "digit_2": "categorical_crossentropy"})
    model.fit([X_1, X_2], {"digit_1": Y_1, "digit_2": Y_2}, batch_size=32, epochs=10)

Here it runs on MultiMNIST in small, with no download: scikit-learn's 8x8
digits, upsampled to 28x28 (bilinear, ``scipy.ndimage.zoom``) and scaled to
[0, 1]; the digit images are split 75/25 into train and test first, then
each sample pairs two random images of its split (fixed seed), so no test
image was seen in training. Line by line:

* the two ``keras.Input(shape=(28, 28, 1))`` -> one array of shape
  ``(n, 28, 28, 2)``: the two images stacked as the two channels of one
  image (channels last, as Keras writes images), ``np.stack([X_1, X_2],
  axis=-1)``.
* one ``Conv2D(32, (3, 3), activation="relu")`` per input ->
  ``conv_layers=[(32, 3)]`` with ``conv_groups=2``: the channels are split
  into 2 groups, each with its own 32 filters of 3x3 (PyTorch's
  ``nn.Conv2d(2, 64, 3, groups=2)``); ``activation="relu"`` is the
  activation of every convolution and dense layer; ``padding="valid"`` is
  Keras's default too (26x26 maps).
* one ``MaxPooling2D((2, 2))`` per input -> ``pool_size=2`` (13x13 maps).
* ``Flatten`` each, then ``Concatenate`` -> done for you: the 2 x 32 maps
  are flattened together into 2 x 32 x 13 x 13 = 10,816 features, the
  first image's 32 maps first. The order within the vector is PyTorch's
  (channel, row, column), not Keras's (row, column, channel): a permutation
  of the inputs of the next layer, so the same family of networks.
* the shared ``Dense(128, relu)`` and ``Dense(64, relu)`` ->
  ``hidden_layer_sizes=(128, 64)``.
* the two ``Dense(10, softmax)`` heads -> made for you, one per column of
  ``y``, each with as many softmax outputs as its task has classes.
  ``task_hidden_layer_sizes`` would add per-task layers before the heads.
* ``categorical_crossentropy`` on one-hot targets -> the integer labels as
  they are; each head's loss is the cross-entropy of its own task's labels.
  Keras adds the two heads' mean losses; skmtl averages over all labels of
  a batch, which for two fully labelled tasks is half that sum, and a
  constant factor on the loss does not change Adam's steps.
* ``optimizer="adam"`` -> ``solver="adam"`` (``learning_rate_init=1e-3``,
  Keras's default rate); Keras adds no weight penalty by default, so
  ``alpha=0.0`` (skmtl's default is 1e-4, MLPClassifier's L2 term).
  ``batch_size=32, epochs=10`` -> ``batch_size=32, max_iter=10``.
* ``model.fit([X_1, X_2], {"digit_1": ..., "digit_2": ...})`` ->
  ``fit(X, y)`` with ``X`` the stacked images and ``y`` a DataFrame with a
  "digit_1" and a "digit_2" column (the wide form): one row per sample, one
  column per task, the column names are the task ids. A missing label (NaN)
  is allowed: only that task skips that sample.
* ``model.predict([X_1, X_2])`` returns both heads -> ``predict(X)``
  returns a DataFrame with both tasks' labels, one row per sample.

What differs: the initial weights, which are not a parameter (convolutions
as PyTorch initialises ``nn.Conv2d``, dense layers as ``MLPClassifier``;
Keras uses Glorot uniform for both), and Adam's epsilon, left at skmtl's
default 1e-8 here (Keras's is 1e-7; ``epsilon=1e-7`` would match it).

Two baselines, each with the same layers and training, all with Adam,
batch 32 and the same epochs:

* one CNN per task: ``SharedCNNClassifier`` on that task's own image only
  (one channel, ``conv_groups=1``, one Conv2D(32, 3) tower) with a 1-D
  ``y``, a single-task network: two networks in all;
* ``SharedMLPClassifier(hidden_layer_sizes=(128, 64))`` on the flattened
  pixels of both images (1568 columns) and the same wide ``y``: the shared
  network without its convolutions.

Run: ``python examples/keras_conv_two_inputs.py`` (a few minutes: 2048
training pairs, 10 epochs) or ``python examples/keras_conv_two_inputs.py
--quick`` (seconds: 512 pairs, 5 epochs; also ``SKMTL_QUICK=1``).
"""

import argparse
import os
import time
import warnings

import numpy as np
import pandas as pd
from scipy.ndimage import zoom
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split

from skmtl import SharedCNNClassifier, SharedMLPClassifier

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="512 training pairs, 5 epochs (also SKMTL_QUICK=1)")
args = parser.parse_args()
quick = args.quick or os.environ.get("SKMTL_QUICK", "") not in ("", "0")
n_train, n_test, epochs = (512, 512, 5) if quick else (2048, 1024, 10)

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

layers = dict(conv_layers=[(32, 3)], pool_size=2, hidden_layer_sizes=(128, 64), activation="relu")
training = dict(solver="adam", learning_rate_init=1e-3, alpha=0.0, batch_size=32, max_iter=epochs, random_state=0)
warnings.simplefilter("ignore", ConvergenceWarning)  # a fixed number of epochs, as in Keras: no stopping rule

# (a) the founding network: two towers (conv_groups=2), shared dense layers, two heads
start = time.perf_counter()
model = SharedCNNClassifier(**layers, conv_groups=2, **training).fit(X_train, y_train)
shared_time = time.perf_counter() - start
print("tasks:", [str(task) for task in model.tasks_])
print("convolution weights (nn.Conv2d layout: out, in / groups, kh, kw):", model.conv_coefs_[0].shape)
print("first dense layer (fan_in, fan_out):", model.coefs_[0].shape)
predicted = model.predict(X_test)  # a DataFrame: a "digit_1" and a "digit_2" column
for task in model.tasks_:
    print(f"test accuracy, shared CNN, {task}: {accuracy_score(y_test[task], predicted[task]):.3f}")
print(f"fit time, shared CNN: {shared_time:.1f} s")

# (b) one CNN per task, on its own image only: same layers, one tower, a 1-D y
start = time.perf_counter()
for channel, task in enumerate(y_train.columns):
    single = SharedCNNClassifier(**layers, conv_groups=1, **training).fit(X_train[..., channel], y_train[task])
    accuracy = accuracy_score(y_test[task], single.predict(X_test[..., channel]))
    print(f"test accuracy, one CNN per task, {task}: {accuracy:.3f}")
print(f"fit time, one CNN per task (both): {time.perf_counter() - start:.1f} s")

# (c) the shared dense layers alone, on the flattened pixels of both images
start = time.perf_counter()
mlp = SharedMLPClassifier(hidden_layer_sizes=(128, 64), activation="relu", **training)
mlp.fit(X_train.reshape(n_train, -1), y_train)
predicted_mlp = mlp.predict(X_test.reshape(n_test, -1))
for task in mlp.tasks_:
    print(f"test accuracy, shared MLP on pixels, {task}: {accuracy_score(y_test[task], predicted_mlp[task]):.3f}")
print(f"fit time, shared MLP: {time.perf_counter() - start:.1f} s")

# Both answers for the first test sample, as Keras's two outputs would give them:
first = predicted.iloc[0]
print(f"first test pair: digits {first['digit_1']} and {first['digit_2']} "
      f"(true {y_test['digit_1'].iloc[0]} and {y_test['digit_2'].iloc[0]})")
