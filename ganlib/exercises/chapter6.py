"""The checks of chapter 6's exercises (the conditional GAN)."""

from __future__ import annotations

import numpy as np

from .feedback import missing, not_yet, verdict


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
