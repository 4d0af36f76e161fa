"""The checks of chapter 5's exercises (evaluation)."""

from __future__ import annotations

import numpy as np

from .feedback import _close, missing, not_yet, verdict


def blurred(images, x_test) -> bool:
    """Exercise 5.3: ``images`` uint8 (N, 28, 28), the test digits blurred by a 3×3 average."""
    import keras

    from ..data import to_model_range, to_uint8

    exercise = "Exercise 5.3"
    if missing(images):
        return not_yet(exercise, "Set `blurry` with the AveragePooling2D line from the exercise.")
    images = np.asarray(images)
    n = len(images)
    truth = to_uint8(keras.layers.AveragePooling2D(3, strides=1, padding="same")(to_model_range(x_test[:n])).numpy())
    problems = []
    if images.shape != (n, 28, 28) or images.dtype != np.uint8:
        problems.append(f"`blurry` is {images.dtype} {images.shape}; evaluate() takes uint8 images (N, 28, 28): "
                        "wrap the result in `to_uint8(...)`.")
    elif np.abs(images.astype(int) - truth.astype(int)).max() > 1:
        problems.append("these are not the test digits averaged over 3×3 neighbourhoods: keep strides=1 and "
                        "padding=\"same\" so each image stays 28×28.")
    return verdict(exercise, problems, f"{n:,} blurred test digits, ready for evaluate().")


def means_only_fid(function, real_features) -> bool:
    """Exercise 5.5: ``function(real_features, fake_features)``, FID without its trace term: the squared distance
    between the two means."""
    exercise = "Exercise 5.5"
    if missing(function):
        return not_yet(exercise, "Define `fid_means_only(real_features, fake_features)` and assign it.")
    rng = np.random.default_rng(0)
    a, b = real_features[:500], real_features[500:1000] + rng.normal(0, 0.5, real_features[500:1000].shape)
    value, truth = float(function(a, b)), float(np.sum((a.mean(0) - b.mean(0)) ** 2))
    if _close(value, np.sqrt(truth)):
        return verdict(exercise, ["that is the distance; FID uses its square (no square root)."], "")
    return verdict(exercise, [] if _close(value, truth) else
                   ["it should return the squared distance between the two means, `np.sum((mu_r - mu_g) ** 2)`."],
                   "means only: two sets with the same average look alike, however different their spreads.")


def evaluation_report(report, n: int, exercise: str, trained=None) -> bool:
    """Exercises 5.1 and 5.2: ``report``, what ``evaluate`` returned for ``n`` samples; for 5.2, of a generator
    far less trained than the one ``trained`` (a report) scored, so its FID must be well above that one's."""
    if missing(report):
        return not_yet(exercise, "Set it to what evaluate(...) returns for N samples.")
    if not isinstance(report, dict) or "generated" not in report:
        return verdict(exercise, ["that is not an evaluate() report: call `evaluate(images)` on uint8 samples "
                                  "from `generate(...)`."], "")
    problems = [] if report["n"] == n else [f"the report scores {report['n']:,} samples; use N = {n:,}."]
    if trained is not None and report["generated"]["fid"] < 2 * trained["generated"]["fid"]:
        problems.append(f"its FID, {report['generated']['fid']:.1f}, is not far above the trained generator's "
                        f"({trained['generated']['fid']:.1f}): evaluate samples of the one-epoch run, "
                        "`generate(early.generator, N, seed=0)`.")
    return verdict(exercise, problems, f"judge-FID {report['generated']['fid']:.1f} over {report['n']:,} samples.")


def report_file(path) -> bool:
    """Exercise 5.6: ``path``, the JSON file ``python -m ganlib evaluate ... --json`` wrote."""
    import json
    from pathlib import Path

    exercise = "Exercise 5.6"
    if missing(path):
        return not_yet(exercise, "Set `report_file` to the path given to --json.")
    path = Path(path)
    if not path.exists():
        return verdict(exercise, [f"there is no file at {path}: did the command run, with `--json {path}`?"], "")
    report = json.loads(path.read_text())
    problems = [] if "generated" in report else [f"{path.name} is not an evaluate report."]
    return verdict(exercise, problems, f"{path.name}: FID {report.get('generated', {}).get('fid', float('nan')):.1f}.")
