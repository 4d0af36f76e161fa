"""The checks of chapter 6's exercises (the conditional GAN)."""

from __future__ import annotations

import numpy as np

from .feedback import missing, not_yet, unchecked_dict, verdict


def one_digit_score(score, generator, digit: int) -> bool:
    """Exercise 6.2: ``score``, the classifier score of 100 samples of ``digit`` from the conditional ``generator``."""
    from ..metrics import classifier_score, judge_outputs
    from ..training import generate

    exercise = "Exercise 6.2"
    if missing(score):
        return not_yet(exercise, "Set `fours_score` to classifier_score(judge_outputs(fours)[1]).")
    samples = generate(generator, 100, seed=0, labels=np.full(100, digit))
    truth = classifier_score(judge_outputs(samples)[1])
    problems = []
    if not 1 <= float(score) <= 10:
        problems.append(f"{float(score):.3f} is not a classifier score (they run from 1 to 10): score the judge's "
                        "probabilities, `judge_outputs(fours)[1]`.")
    elif abs(float(score) - truth) > 0.1:
        problems.append(f"{float(score):.3f} is far from the score of 100 {digit}s ({truth:.3f}): did every sample "
                        f"get the label {digit} (`labels=np.full(100, {digit})`)?")
    return verdict(exercise, problems, f"score {truth:.2f} of a possible 10: every sample is a confident {digit}, "
                   "so the samples' classes are not spread at all, and the score measures exactly that spread.")


def unsmoothed_run(run, epochs: int) -> bool:
    """Exercise 6.1: ``run``, what ``train`` returned for the conditional recipe with label smoothing 0, scored
    by a ``FIDCallback`` after each of its ``epochs`` epochs (as long as the chapter's run)."""
    exercise = "Exercise 6.1"
    if missing(run):
        return not_yet(exercise, "Set `unsmoothed` to train(dataclasses.replace(config, label_smoothing=0.0), a new "
                                 "folder, callbacks=[FIDCallback(n=2000)]).")
    problems = []
    smoothing = getattr(run.gan, "label_smoothing", None)
    if smoothing != 0:
        problems.append(f"this run trained with label smoothing {smoothing}: the exercise asks for 0 "
                        "(`dataclasses.replace(config, label_smoothing=0.0)`).")
    if len(run.history) != epochs:
        problems.append(f"it trained {len(run.history)} epochs, the chapter's run {epochs}: compare runs of the "
                        "same length.")
    if "label_agreement" not in run.history[-1]:
        problems.append("its history has no label agreement: train it with callbacks=[FIDCallback(n=2000)].")
    agreement = run.history[-1].get("label_agreement", 0)
    return verdict(exercise, problems, f"label agreement after the last epoch: {agreement:.1%}.")


def label_blends(drawn) -> bool:
    """Exercise 6.3: ``drawn``, a dict ``{"all zeros": images, "half 3, half 8": images}``, each float32
    (8, 28, 28, 1), what the conditional generator draws for those label vectors."""
    exercise, wanted = "Exercise 6.3", ("all zeros", "half 3, half 8")
    todo = "Set `drawn` to {\"all zeros\": cgen([z, zeros], training=False).numpy(), \"half 3, half 8\": ...}."
    early = unchecked_dict(exercise, drawn, wanted, todo)
    if early is not None:
        return early
    problems = []
    for name in wanted:
        images = np.asarray(drawn[name])
        if images.shape != (8, 28, 28, 1) or images.min() < -1 or images.max() > 1:
            problems.append(f"{name!r} is {images.shape}: the generator's output for 8 noise vectors is (8, 28, 28, 1) "
                            "in [-1, 1].")
    if not problems and np.allclose(drawn[wanted[0]], drawn[wanted[1]]):
        problems.append("both label vectors drew the same images: give the generator a different vector for each.")
    return verdict(exercise, problems, "the generator draws for label vectors it never saw in training.")


def fashion_conditional(images, generator) -> bool:
    """Exercise 6.5: ``images`` float32 (16, 28, 28, 1) that ``generator``, a conditional GAN trained on
    Fashion-MNIST, drew when asked for label 1 (trousers)."""
    from ..config import LABELS
    from ..models import conditioning_of

    exercise = "Exercise 6.5"
    if missing(images):
        return not_yet(exercise, "Set `trousers` to 16 images the Fashion-MNIST generator draws for label 1.")
    problems = []
    if conditioning_of(generator).kind != LABELS:
        problems.append("that generator takes no labels: train with the chapter's `config` (conditioning on labels) "
                        "and pass `y=f_labels`.")
    images = np.asarray(images)
    if images.shape != (16, 28, 28, 1):
        problems.append(f"`trousers` is {images.shape}: draw 16 images, (16, 28, 28, 1).")
    return verdict(exercise, problems, "a conditional GAN on clothes, asked for trousers.")
