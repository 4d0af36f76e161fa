"""Feedback on the chapters' exercises: each check looks at your answer and says, in words, what is right or wrong.

A check cell follows each code exercise. Before you have answered (the scaffold still holds ``None``), a check
prints "not yet" and what to do, and the chapter carries on. When your answer is wrong it says why, e.g.
"your generator draws 14×14 images: ...". When it is right it says so and what the numbers mean.

Where answers are graded (``GANLIB_GRADING=1``, e.g. nbgrader's autograder), a check that is not satisfied
raises ``NotYet``, so the grader counts it as failed; the course's own tests (quick mode, or
``GANLIB_STRICT=1``) raise for a wrong answer too, so a solution that stops working fails the build.
"""

from .chapter1 import class_means, last_batch, loaded_digits, zero_share
from .chapter2 import dense_variants, extra_parameters, generator_shape, kernel_five, small_generator
from .chapter3 import flat_discriminator, generator_losses, no_dropout_model, parameter_counts, smoothed_scores
from .chapter4 import alternating_step, history_epochs, saturating_logs, smoothed_step
from .chapter5 import blurred, evaluation_report, means_only_fid, report_file
from .chapter6 import fashion_conditional, label_blends, one_digit_score, unsmoothed_run
from .chapter7 import fashion_judge, fifty_copies, one_class, zero_shares
from .chapter8 import added_failure, first_jumps, memorisation_sizes, toy_two_timescales
from .feedback import NotYet, grading, missing, not_yet, verdict

__all__ = [
    "NotYet",
    "grading",
    "missing",
    "not_yet",
    "verdict",
    "class_means",
    "zero_share",
    "last_batch",
    "loaded_digits",
    "generator_shape",
    "extra_parameters",
    "small_generator",
    "dense_variants",
    "kernel_five",
    "generator_losses",
    "parameter_counts",
    "flat_discriminator",
    "no_dropout_model",
    "smoothed_scores",
    "saturating_logs",
    "smoothed_step",
    "alternating_step",
    "history_epochs",
    "blurred",
    "means_only_fid",
    "evaluation_report",
    "report_file",
    "one_digit_score",
    "unsmoothed_run",
    "label_blends",
    "fashion_conditional",
    "one_class",
    "fashion_judge",
    "zero_shares",
    "fifty_copies",
    "toy_two_timescales",
    "added_failure",
    "memorisation_sizes",
    "first_jumps",
]
