"""The checks of chapter 1's exercises (data)."""

from __future__ import annotations

import numpy as np

from .feedback import _close, missing, not_yet, verdict


def class_means(means, x, y) -> bool:
    """Exercise 1.1: ``means`` (10, 28, 28), the average training image of each digit ``x[y == d].mean(0)``."""
    exercise = "Exercise 1.1"
    if missing(means):
        return not_yet(exercise, "Set `means` to the ten class averages, e.g. with a list comprehension over d = 0…9.")
    means = np.asarray(means)
    if means.shape != (10, 28, 28):
        return verdict(exercise, [f"`means` has shape {means.shape}; it should be (10, 28, 28): one 28×28 "
                                  "average per digit (did you average over the wrong axis?)."], "")
    problems = [f"the average of digit {d} is not x_train[y_train == {d}].mean(0)." for d in range(10)
                if not _close(means[d], x[y == d].mean(0))]
    if problems and _close(means[0], x.mean(0)):
        problems = ["every average is the mean of all digits: select one class with `x_train[y_train == d]`."]
    return verdict(exercise, problems[:2], "ten class averages, each a blurred prototype of its digit.")


def zero_share(share, x) -> bool:
    """Exercise 1.2: ``share``, the fraction (0–1) of training pixels that are exactly 0."""
    exercise = "Exercise 1.2"
    if missing(share):
        return not_yet(exercise, "Set `share` to the fraction of pixels equal to 0, e.g. `(x_train == 0).mean()`.")
    truth = float((np.asarray(x) == 0).mean())
    share = float(share)
    if share > 1:
        return verdict(exercise, [f"{share:,.0f} is a count: divide by the number of pixels ({x.size:,}) "
                                  "to get a fraction."], "")
    if abs(share - (1 - truth)) < 1e-4:
        return verdict(exercise, ["that is the share of pixels that are *not* 0."], "")
    return verdict(exercise, [] if abs(share - truth) < 1e-4 else
                   [f"{share:.3f} is not the share of exact zeros: compare pixels with 0 (`== 0`), not with "
                    "a threshold, and average over all of them."],
                   f"{truth:.1%} of all pixels are pure black background.")


def last_batch(shapes, n: int, batch_size: int) -> bool:
    """Exercise 1.4: ``shapes``, the shape of every batch in one epoch of ``make_dataset(x[:n], batch_size)``."""
    exercise = "Exercise 1.4"
    if missing(shapes):
        return not_yet(exercise, "Set `shapes` to the list of the shapes of all batches of one epoch.")
    shapes = [tuple(int(d) for d in s) for s in shapes]
    problems = []
    if len(shapes) != n // batch_size:
        problems.append(f"one epoch of {n} images in batches of {batch_size} yields {n // batch_size} batches "
                        f"(the last partial one is dropped), but you list {len(shapes)}: take one epoch only, "
                        "e.g. `ds.take(n // batch_size)`.")
    if any(s != (batch_size, 28, 28, 1) for s in shapes):
        problems.append(f"every batch should be ({batch_size}, 28, 28, 1).")
    return verdict(exercise, problems, f"{len(shapes)} full batches; the last {n % batch_size} images of the epoch "
                   "wait for a later one (they are shuffled in next time).")


def loaded_digits(images) -> bool:
    """Exercise 1.3: ``images`` uint8 (N, 28, 28) as ``load_images`` returns them, light ink on a dark background."""
    exercise = "Exercise 1.3"
    if missing(images):
        return not_yet(exercise, "Set `scans` to the images `load_images(folder, invert=True)` returns.")
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8 or not len(images):
        return verdict(exercise, [f"`scans` is {images.dtype} {images.shape}: keep load_images' first result, "
                                  "uint8 (N, 28, 28)."], "")
    border = np.concatenate([images[:, 0], images[:, -1], images[:, :, 0], images[:, :, -1]], axis=1)
    return verdict(exercise, [] if border.mean() < 100 else [
        f"the background is light (mean border pixel {border.mean():.0f} of 255): MNIST is light ink on black; "
        "load with `invert=True`."], f"{len(images)} digits, light on dark like MNIST.")
