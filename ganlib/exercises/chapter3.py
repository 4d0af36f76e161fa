"""The checks of chapter 3's exercises (the discriminator)."""

from __future__ import annotations

import numpy as np

from .feedback import _close, missing, not_yet, verdict


def generator_losses(before, after, p_fake, after_fake) -> bool:
    """Exercise 3.3: the generator's loss −mean(log D(G(z))) with the untrained (``p_fake``) and the trained
    (``after_fake``) discriminator's scores (N,)."""
    exercise = "Exercise 3.3"
    if missing(before) or missing(after):
        return not_yet(exercise, "Set `g_loss_before` and `g_loss_after` to -np.mean(np.log(scores)) for the "
                       "fakes' scores before and after training.")
    truth = -np.mean(np.log(p_fake)), -np.mean(np.log(after_fake))
    problems = []
    if _close(before, truth[0]) and _close(after, truth[1]):
        pass
    elif _close(after, -np.mean(np.log(1 - after_fake)), rtol=1e-3):
        problems.append("that is −log(1 − D(G(z))), the discriminator's loss on fakes; the generator's loss is "
                        "−log D(G(z)).")
    else:
        problems.append(f"expected about {truth[0]:.3f} before and {truth[1]:.3f} after: average −log of the "
                        "fakes' scores (`p_fake`, then `after_fake`).")
    return verdict(exercise, problems, f"{truth[0]:.3f} → {truth[1]:.3f}: the trained discriminator gives the "
                   "fakes scores near 0, and −log of a score near 0 is large.")


def parameter_counts(d_params, g_params, discriminator, generator) -> bool:
    """Exercise 3.4: the discriminator's and the generator's parameter counts."""
    exercise = "Exercise 3.4"
    if missing(d_params) or missing(g_params):
        return not_yet(exercise, "Set `d_params` and `g_params` with each model's `count_params()`.")
    truth = discriminator.count_params(), generator.count_params()
    problems = [] if (int(d_params), int(g_params)) == truth else [
        "swap them: `d_params` is the discriminator's." if (int(g_params), int(d_params)) == truth else
        f"count with `model.count_params()` (the discriminator has {truth[0]:,})."]
    return verdict(exercise, problems, f"discriminator {truth[0]:,}, generator {truth[1]:,} parameters.")


def flat_discriminator(model) -> bool:
    """Exercise 3.6: ``model``, the 1-D discriminator (1,) -> (1,) trained when fakes and data share a mean."""
    exercise = "Exercise 3.6"
    if missing(model):
        return not_yet(exercise, "Train the 1-D discriminator with `fake_mean = 0.0` and assign it to `flat`.")
    x = np.linspace(-1.5, 1.5, 61)[:, None].astype("float32")
    scores = np.asarray(model(x)).ravel()
    gap = float(np.abs(scores - 0.5).max())
    return verdict(exercise, [] if gap < 0.1 else [
        f"its score strays {gap:.2f} from 0.5 on [-1.5, 1.5]: were the fakes drawn from N(0, 1) like the data?"],
        f"D ≈ 0.5 everywhere (largest gap {gap:.3f}): where the two sets have the same density, D* = ½.")


def no_dropout_model(model) -> bool:
    """Exercise 3.1: ``model``, a discriminator built with ``dropout=0.0`` and trained."""
    exercise = "Exercise 3.1"
    if missing(model):
        return not_yet(exercise, "Build the discriminator with dropout 0.0, compile and fit it, assign it.")
    rates = [layer.rate for layer in model.layers if type(layer).__name__ == "Dropout" and layer.rate > 0]
    problems = [f"it still drops {rates[0]:.0%} of its features: pass 0.0 as the dropout."] if rates else []
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or int(optimizer.iterations.numpy()) == 0:
        problems.append("it has not been trained yet: compile and fit it like the discriminator above.")
    return verdict(exercise, problems, "a discriminator without dropout, trained on the same images.")


def smoothed_scores(mean_real) -> bool:
    """Exercise 3.2: ``mean_real``, mean D(real) of a discriminator trained with real targets 0.9."""
    exercise = "Exercise 3.2"
    if missing(mean_real):
        return not_yet(exercise, "Train a fresh discriminator with targets 0.9 for real images; set `smoothed_real`.")
    mean_real = float(mean_real)
    if mean_real > 0.95:
        return verdict(exercise, [f"mean D(real) is {mean_real:.3f}: that is a discriminator trained with target 1. "
                                  "Use `np.where(targets == 1, 0.9, 0.0)` as its targets."], "")
    return verdict(exercise, [] if mean_real > 0.75 else [
        f"mean D(real) is only {mean_real:.3f}: train it longer (10 epochs) on the real and fake images above."],
        f"mean D(real) {mean_real:.3f}: it settles near the target 0.9, never at 1.")
