"""How a check speaks: "not yet" before an answer, then what is right or wrong; ``NotYet`` when grading."""

from __future__ import annotations

import numpy as np

from ..checks import strict
from ..config import env_flag


class NotYet(AssertionError):
    """An exercise's answer is missing or wrong (raised only when grading, or for a wrong answer in the tests)."""


def grading() -> bool:
    """True when checks must fail loudly: ``GANLIB_GRADING=1`` (set it for nbgrader's autograder)."""
    return env_flag("GANLIB_GRADING")


def missing(answer) -> bool:
    """True for an answer still left as the scaffold's placeholder (``None`` or ``...``)."""
    return answer is None or answer is Ellipsis


def not_yet(exercise: str, todo: str) -> bool:
    """Report an unanswered exercise: prints what to do; raises ``NotYet`` only when grading.

    Returns:
        bool: False.
    """
    message = f"… {exercise}: not yet. {todo}"
    if grading():
        raise NotYet(message)
    print(message)
    return False


def verdict(exercise: str, problems: list[str], praise: str) -> bool:
    """Report an answer: ``praise`` when ``problems`` is empty, else each problem in words.

    Prints the verdict; a wrong answer raises ``NotYet`` when grading and in the course's tests.

    Returns:
        bool: True when the answer is right.
    """
    if not problems:
        print(f"✓ {exercise}: {praise}")
        return True
    message = f"✗ {exercise}: " + " ".join(problems)
    if grading() or strict():
        raise NotYet(message)
    print(message)
    return False


def _close(a, b, rtol=1e-3, atol=1e-6) -> bool:
    return bool(np.allclose(np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64"), rtol=rtol, atol=atol))


def unchecked_dict(exercise: str, answer, keys, todo: str):
    """The first look at a dict answer whose keys should be exactly ``keys``: "not yet" (False) while it is
    missing, a verdict (False) naming the keys when they are wrong, None when the check can go on."""
    if missing(answer):
        return not_yet(exercise, todo)
    if set(answer) != set(keys):
        return verdict(exercise, [f"the keys are {sorted(answer)}: give exactly {list(keys)}."], "")
    return None
