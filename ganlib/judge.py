"""The judge: a small classifier of a data set's ten classes whose penultimate features (128 numbers per image)
every metric works in, the MNIST counterpart of the Inception network behind FID and IS. The digits' judge and
the clothes' are shipped in ``ganlib/assets``; ``python -m ganlib train-judge`` trains either again.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

import keras
import numpy as np
from keras import layers

from .data import check_images, load_fashion_mnist, load_mnist, to_model_range
from .files import ASSETS
from .models import predict_in_batches

JUDGE_WEIGHTS = ASSETS / "judge.weights.h5"
# A judge per data set, each a classifier of that data set's ten classes: the digits' scores every chapter's
# GAN, the clothes' scores chapter 7's Fashion-MNIST GAN.
JUDGES = {"mnist": (load_mnist, JUDGE_WEIGHTS),
          "fashion_mnist": (load_fashion_mnist, ASSETS / "fashion_judge.weights.h5")}
FEATURES = 128


def build_judge() -> keras.Model:
    """The judge: images (batch, 28, 28, 1) in [-1, 1] -> class probabilities (batch, 10).

    Its layer ``features`` (128 units) gives the embedding the metrics use.
    """
    x = keras.Input((28, 28, 1))
    h = x
    for width in (32, 64):
        for _ in range(2):
            h = layers.Conv2D(width, 3, padding="same", activation="relu")(h)
        h = layers.MaxPooling2D()(h)
    h = layers.Flatten()(h)
    h = layers.Dense(FEATURES, name="features_dense")(h)
    h = layers.ReLU(name="features")(h)
    h = layers.Dropout(0.4)(h)
    out = layers.Dense(10, activation="softmax", dtype="float32", name="probs")(h)
    return keras.Model(x, out, name="judge")


def train_judge(path=None, epochs: int = 8, seed: int = 0, verbose=1, dataset: str = "mnist") -> float:
    """Train a judge on a data set's 60,000 training images (with small shifts as augmentation) and save its
    weights (default: the shipped judge of that data set, ``JUDGES``).

    Returns its accuracy on the 10,000 test images. ``python -m ganlib train-judge [--dataset …]`` runs this.

    Args:
        path: the weights file, or None for the data set's shipped one.
        epochs: passes over the training images.
        seed: the seed of the weights, the order and the augmentation.
        verbose: Keras's progress output.
        dataset: "mnist" or "fashion_mnist".

    Returns:
        float: the test accuracy.
    """
    import tensorflow as tf

    load, shipped = _judge_of(dataset)
    path = shipped if path is None else path
    keras.utils.set_random_seed(seed)
    (x, y), (xt, yt) = load()
    model = build_judge()
    steps = math.ceil(len(x) / 128) * epochs
    model.compile(keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, steps)),
                  "sparse_categorical_crossentropy", metrics=["accuracy"])
    shift = keras.Sequential([layers.RandomTranslation(0.1, 0.1, fill_mode="constant", fill_value=-1.0, seed=seed),
                              layers.RandomRotation(0.03, fill_mode="constant", fill_value=-1.0, seed=seed)])
    ds = (tf.data.Dataset.from_tensor_slices((to_model_range(x), y.astype("int32"))).shuffle(60000, seed=seed)
          .batch(128).map(lambda a, b: (shift(a, training=True), b), num_parallel_calls=tf.data.AUTOTUNE)
          .prefetch(tf.data.AUTOTUNE))
    model.fit(ds, epochs=epochs, verbose=verbose)
    accuracy = float(model.evaluate(to_model_range(xt), yt.astype("int32"), verbose=0)[1])
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    model.save_weights(path)
    Path(path).with_suffix("").with_suffix(".json").write_text(json.dumps(
        {"test_accuracy": accuracy, "epochs": epochs, "seed": seed,
         "command": f"python -m ganlib train-judge{'' if dataset == 'mnist' else ' --dataset ' + dataset} "
                    f"--epochs {epochs} --seed {seed}"}, indent=1))
    return accuracy


def _judge_of(dataset: str):
    if dataset not in JUDGES:
        raise ValueError(f"no judge for {dataset!r}: the judges are {', '.join(JUDGES)}.")
    return JUDGES[dataset]


@functools.lru_cache(maxsize=2)
def load_judge(dataset: str = "mnist") -> tuple[keras.Model, keras.Model]:
    """A shipped judge as ``(classifier, feature_extractor)``; only weights are read from disk.

    Args:
        dataset: "mnist" (the digits' judge) or "fashion_mnist".

    Returns:
        tuple: the classifier (images -> probabilities) and a model giving ``[features, probabilities]``.
    """
    path = _judge_of(dataset)[1]
    if not path.exists():
        flag = "" if dataset == "mnist" else f" --dataset {dataset}"
        raise FileNotFoundError(f"{path} is missing: run `python -m ganlib train-judge{flag}` to make it.")
    judge = build_judge()
    judge.load_weights(path)
    both = keras.Model(judge.input, [judge.get_layer("features").output, judge.output])
    return judge, both


def judge_outputs(images, batch_size: int = 1000, dataset: str = "mnist") -> tuple[np.ndarray, np.ndarray]:
    """The judge's features float64 (N, 128) and class probabilities float64 (N, 10) for uint8 images (N, 28, 28).

    Args:
        images: uint8 (N, 28, 28).
        batch_size: how many to judge at once.
        dataset: whose judge: "mnist" (digits) or "fashion_mnist" (clothes).

    Returns:
        tuple: features float64 (N, 128) and class probabilities float64 (N, 10).
    """
    images = check_images(images)
    _, both = load_judge(dataset)
    feats, probs = predict_in_batches(both, to_model_range(images), batch_size)
    return np.asarray(feats, "float64"), np.asarray(probs, "float64")
