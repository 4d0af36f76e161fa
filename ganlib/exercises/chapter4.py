"""The checks of chapter 4's exercises (training)."""

from __future__ import annotations

from .feedback import missing, not_yet, verdict


def saturating_logs(history) -> bool:
    """Exercise 4.1: ``history``, the per-epoch history (``train(...).history``, a list of dicts) of a GAN whose
    generator minimises the mean of log(1 − D(G(z)))."""
    import math

    exercise = "Exercise 4.1"
    if missing(history):
        return not_yet(exercise, "Train `SaturatingGAN` for one epoch with train(..., gan=...) and set "
                                 "`saturating_history` to its history.")
    last = history[-1]
    if "fake_score" not in last:
        return verdict(exercise, ["the history has no `fake_score`: keep TextbookGAN's `self.log(...)` call, which "
                                  "logs the discriminator's mean score for the fakes"], "")
    g_loss, p_fake = float(last["g_loss"]), float(last["fake_score"])
    # The mean of log(1 - D) is at most log(1 - mean D) (Jensen), and not far below it while D(fake) is small.
    ceiling, floor = math.log(1 - p_fake), 2 * math.log(1 - p_fake) - 0.05
    problems = []
    if g_loss >= 0:
        problems.append(f"g_loss is {g_loss:.3f}, not negative: that is still −log D(G(z)). The saturating loss is "
                        "−BCE(0, D(G(z))) = log(1 − D(G(z))), which is never positive.")
    elif not floor <= g_loss <= ceiling + 1e-3:
        problems.append(f"g_loss is {g_loss:.3f}, but with D(fake) {p_fake:.3f} the mean of log(1 − D(G(z))) lies "
                        f"between {floor:.3f} and {ceiling:.3f}: is it log(1 − D), or log D?")
    return verdict(exercise, problems, f"g_loss {g_loss:.3f} with D(fake) {p_fake:.3f}: log(1 − D(G(z))) is negative, "
                   "and near 0 when the discriminator wins, which is where its gradient vanishes.")


def _step_exercise(exercise: str, todo: str, gan_class, make_gan, changes: dict, hint: str, what: str) -> bool:
    """A chapter-4 exercise whose answer is a class that must take the steps of ganlib's ``GAN`` with
    ``changes`` from the textbook config (no smoothing, average or code): ``hint`` heads the problems."""
    import dataclasses

    from ..checks import step_differences
    from ..config import Conditioning, GANConfig

    if missing(gan_class):
        return not_yet(exercise, todo)
    textbook = {"ema": 0.0, "label_smoothing": 0.0, "conditioning": Conditioning()}
    config = dataclasses.replace(GANConfig(), **{**textbook, **changes})
    problems, agreed = step_differences(make_gan(gan_class, config), config)
    return verdict(exercise, [hint, *problems] if problems else [], f"your class takes ganlib's {what}: {agreed}.")


def smoothed_step(gan_class, make_gan) -> bool:
    """Exercise 4.2: ``gan_class``, your TextbookGAN with a real target of 0.8: two steps of it must be those of
    ganlib's ``GAN`` with ``label_smoothing=0.2``, losses and weights (``checks.step_differences``).
    ``make_gan(gan_class, config)`` builds a compiled model of your class, as in the chapter."""
    return _step_exercise(
        "Exercise 4.2", "Write `SmootherGAN`, a TextbookGAN whose real target is 0.8, and assign the class.",
        gan_class, make_gan, {"label_smoothing": 0.2},
        f"your real target is {getattr(gan_class, 'real_target', None)}; ganlib's label_smoothing=0.2 means a "
        "target of 0.8 for real images only (fakes keep 0, and the generator's target stays 1)",
        "step with label_smoothing=0.2")


def alternating_step(gan_class, make_gan) -> bool:
    """Exercise 4.9: ``gan_class``, your AlternatingGAN with k = 2: two steps of it must be those of ganlib's
    ``GAN`` with ``alternating=True, d_steps=2`` (``checks.step_differences``)."""
    return _step_exercise(
        "Exercise 4.9", "Write `TwoStepGAN`, an AlternatingGAN whose k is 2, and assign the class.",
        gan_class, make_gan, {"alternating": True, "d_steps": 2},
        f"your k is {getattr(gan_class, 'k', None)}; ganlib's d_steps=2 means two discriminator updates, each on "
        "fresh noise, before the generator's update", "alternating steps with d_steps=2")


def history_epochs(epochs, run) -> bool:
    """Exercise 4.6: ``epochs``, the epoch numbers in the history of the run folder ``run``, which must have been
    interrupted and resumed (its ``state.json`` records where each training session started)."""
    from ..runs import RunState

    exercise = "Exercise 4.6"
    if missing(epochs):
        return not_yet(exercise, "Interrupt the run, train again, and set `epochs` to "
                                 "`[row[\"epoch\"] for row in resumed.history]`.")
    state = RunState.load(run) or RunState()
    truth, resumed = state.epochs(), state.resumed_at()
    epochs = [int(e) for e in epochs]
    problems = []
    if epochs != truth:
        problems.append("these are not the epochs the run folder recorded: take them from the history the second "
                        "`train` returned.")
    elif epochs != list(range(1, len(epochs) + 1)):
        problems.append(f"the history has a gap or a repeat: {epochs}.")
    elif not resumed:
        problems.append(f"{run} trained in one go: it was never resumed. Delete it, interrupt the first `train` "
                        "during its second epoch, then train again.")
    return verdict(exercise, problems, f"epochs 1 to {len(epochs)}, each once, though the run was interrupted and "
                   f"resumed after epoch {resumed[0] if resumed else '?'}.")
