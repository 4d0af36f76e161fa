"""The checks of chapter 7's exercises (your own data)."""

from __future__ import annotations

import numpy as np

from .feedback import _close, missing, not_yet, verdict


def one_class(images, f_train, f_labels, label: int) -> bool:
    """Exercise 7.1: ``images`` float32 (N, 28, 28, 1) in [-1, 1], Fashion-MNIST images of class ``label`` only."""
    from ..data import to_model_range

    exercise = "Exercise 7.1"
    if missing(images):
        return not_yet(exercise, "Set `trousers` to the model-range images of one class: "
                       "`to_model_range(f_train[f_labels == 1])`.")
    images = np.asarray(images)
    wanted = to_model_range(f_train[f_labels == label])
    problems = []
    if images.ndim != 4 or images.shape[1:] != (28, 28, 1) or images.min() < -1 or images.max() > 1:
        problems.append(f"`trousers` is {images.shape} in [{images.min():.0f}, {images.max():.0f}]: train() takes "
                        "float32 (N, 28, 28, 1) in [-1, 1]; use `to_model_range`.")
    elif len(images) != len(wanted) or not _close(images, wanted):
        problems.append(f"expected the {len(wanted):,} images with label {label}: select with `f_labels == {label}`.")
    return verdict(exercise, problems, f"{len(wanted):,} images of one class.")


def fashion_judge(judge) -> bool:
    """Exercise 7.3: ``judge``, ``metrics.build_judge()`` trained on Fashion-MNIST: it must classify 2,000
    Fashion-MNIST test images far better than chance."""
    from ..data import load_fashion_mnist, to_model_range

    exercise = "Exercise 7.3"
    if missing(judge):
        return not_yet(exercise, "Build a judge with build_judge(), compile and fit it on Fashion-MNIST, assign it.")
    _, (x, y) = load_fashion_mnist()
    accuracy = float((np.asarray(judge(to_model_range(x[:2000]), training=False)).argmax(1) == y[:2000]).mean())
    return verdict(exercise, [] if accuracy > 0.6 else [
        f"it classifies {accuracy:.0%} of the test clothes right (chance: 10 %): fit it on Fashion-MNIST's images "
        "(to_model_range) with their labels, loss sparse_categorical_crossentropy."],
        f"{accuracy:.0%} of 2,000 test clothes classified right: its features can score fashion GANs.")


def zero_shares(shares, f_train) -> bool:
    """Exercise 7.4: ``shares``, {"MNIST": share of exact-0 pixels, "Fashion-MNIST": the same}."""
    from ..data import load_mnist

    exercise = "Exercise 7.4"
    if missing(shares):
        return not_yet(exercise, "Set `zero_shares` to a dict with both data sets' share of pixels equal to 0.")
    (m, _), _ = load_mnist()
    truth = {"MNIST": float((m == 0).mean()), "Fashion-MNIST": float((np.asarray(f_train) == 0).mean())}
    problems = [f"missing {name!r}." for name in truth if name not in shares]
    problems += [f"{name}: {float(shares[name]):.3f} is not the share of pixels equal to 0 ({value:.3f})."
                 for name, value in truth.items() if name in shares and abs(float(shares[name]) - value) > 1e-3]
    return verdict(exercise, problems, ", ".join(f"{k} {v:.0%}" for k, v in truth.items()) + " of pixels are 0.")


def fifty_copies(distance, fifty) -> bool:
    """Exercise 7.2: ``distance`` float (n,), each sample's pixel distance to its nearest of ``fifty``, the 50
    training images uint8 (50, 28, 28) of the small run."""
    exercise = "Exercise 7.2"
    if missing(distance):
        return not_yet(exercise, "Set `distance` to the first output of nearest_train_distance(samples, fifty).")
    distance, fifty = np.asarray(distance, dtype="float64"), np.asarray(fifty)
    problems = []
    if fifty.shape != (50, 28, 28):
        problems.append(f"`fifty` is {fifty.shape}: train on 50 images, uint8 (50, 28, 28).")
    if distance.ndim != 1 or len(distance) == 0 or (distance < 0).any():
        problems.append("`distance` is one non-negative distance per sample: "
                        "nearest_train_distance(samples, fifty)[0].")
    if problems:
        return verdict(exercise, problems, "")
    # For scale: how far each of the fifty sits from its nearest *other* one of them.
    flat = fifty.reshape(50, -1).astype("float64") / 255
    apart = np.sqrt(((flat[:, None] - flat[None]) ** 2).sum(-1)) + np.diag(np.full(50, np.inf))
    return verdict(exercise, [], f"median distance to the nearest of the 50: {np.median(distance):.1f}; the 50 "
                   f"themselves sit {np.median(apart.min(1)):.1f} from their nearest other one. Samples much "
                   "closer than that are copies.")
