"""The fixes table of chapter 8: which (failure, fix) cells ``benchmarks/failures.py`` trains over seeds, at what
budget, and the conclusions the chapter draws from its results, each with the check of the table it rests on.

The failures and fixes themselves, and one run of a cell, are the failure lab's (``failures.py``).
"""

from __future__ import annotations

# The fixes table (benchmarks/failures.py, ganlib/assets/results/failures.json): every failure without a fix, and
# each fix on a failure it targets and on one it does not. Why each cell is in it:
TABLE = {
    ("healthy", "none"): "the recipe itself, the yardstick of the budget",
    ("mode collapse", "none"): "the failure",
    ("discriminator wins", "none"): "the failure",
    ("saturating loss", "none"): "the failure",
    ("divergence", "none"): "the failure",
    ("memorisation", "none"): "the failure",
    ("mode collapse", "two time-scales"): "targeted: a discriminator 4 times as fast cuts the generator's 50-fold "
                                          "lead to 12.5-fold",
    ("discriminator wins", "two time-scales"): "not targeted: a discriminator already 10 times as fast gets faster",
    ("saturating loss", "hinge loss"): "targeted: replaces the saturating loss; the discriminator keeps its 10 times "
                                       "the rate, so this is also 'discriminator wins' with the hinge loss",
    ("mode collapse", "hinge loss"): "not targeted: a loss leaves the rates that cause the collapse",
    ("saturating loss", "WGAN-GP"): "targeted: replaces the saturating loss; the critic keeps its 10 times the rate",
    ("healthy", "WGAN-GP"): "not targeted: the paper's recipe as it is, on a run that needs no fix",
    ("discriminator wins", "spectral norm"): "targeted: a discriminator of bounded slope cannot win by a cliff",
    ("memorisation", "spectral norm"): "not targeted: can a bounded slope still sharpen around 100 digits?",
    ("memorisation", "Adam 2e-4"): "control: spectral norm's slower Adam alone, to tell which of the two stops "
                                   "the copying",
    ("mode collapse", "R1 penalty"): "targeted: R1 cures the toy ring's collapse; does it cure the digits'?",
    ("healthy", "R1 penalty"): "not targeted: what the penalty costs a run that needs no fix",
}
# The table's budget: generator steps at which the healthy recipe's judge-FID (10,000 samples) is below 30 for
# every seed, so that the table measures cures, not how fast each run starts.
TABLE_BUDGET = {"epochs": 8, "n_train": 32000}


def table_cells(results: dict) -> dict:
    """The cells of a fixes-table results file (``benchmarks/failures.py``'s JSON, such as
    ``course_result("failures.json")``) by their names.

    Args:
        results: the file's JSON.

    Returns:
        dict: ``{(failure, fix): cell}``; a cell holds each figure (``fid``, ``classes_covered``, ``recall``,
        ``copy_share``, ``d_train``, ``d_test``, ...) as ``{"median", "min", "max"}`` over its ``seeds``.
    """
    return {(cell["failure"], cell["fix"]): cell for cell in results["cells"]}


def _apart(lower: dict, higher: dict) -> bool:
    # Every seed of one cell below every seed of the other: the two ranges do not overlap.
    return lower["max"] < higher["min"]


def _fid(t, failure, fix="none"):
    return t[failure, fix]["fid"]


def _gap(t, failure, fix="none"):
    # How much more the discriminator believes its own training digits than digits it never saw (medians).
    return t[failure, fix]["d_train"]["median"] - t[failure, fix]["d_test"]["median"]


def _every(items, check) -> bool:
    # Like all(), but a lesson about no cells at all does not hold.
    items = list(items)
    return bool(items) and all(check(item) for item in items)


# The conclusions chapter 8 draws from the fixes table, each with the check of the table that it rests on
# (``table_lessons``): a rerun of the benchmark that changes a conclusion fails its check. "On every seed" and
# "apart" mean that the ranges over the seeds do not overlap; a lesson about medians says so.
LESSONS = {
    "the healthy recipe reaches judge-FID 30 or lower on every seed, so the budget measures cures, not starts":
        lambda t: _fid(t, "healthy")["max"] <= 30,
    "every failure ends at least four times the healthy run's FID on every seed":
        lambda t: _every((f for f, x in t if x == "none" and f != "healthy"),
                         lambda f: _fid(t, f)["min"] > 4 * _fid(t, "healthy")["max"]),
    "no fix in the table cures mode collapse: each leaves it at least five times the healthy FID, recall near 0":
        lambda t: ("mode collapse", "none") in t and _every(
            (x for f, x in t if f == "mode collapse" and x != "none"),
            lambda x: _fid(t, "mode collapse", x)["min"] > 5 * _fid(t, "healthy")["max"]
            and t["mode collapse", x]["recall"]["max"] < 0.05),
    "two time-scales and the hinge loss leave the collapse as narrow: no more digits covered than without a fix "
    "(medians)":
        lambda t: all(t["mode collapse", x]["classes_covered"]["median"]
                      <= t["mode collapse", "none"]["classes_covered"]["median"]
                      for x in ("two time-scales", "hinge loss")),
    "R1 spreads a collapsed generator over more kinds of digit than any seed without it, as on the toy ring, "
    "and more than halves its median FID":
        lambda t: (t["mode collapse", "R1 penalty"]["classes_covered"]["min"]
                   > t["mode collapse", "none"]["classes_covered"]["max"]
                   and _fid(t, "mode collapse", "R1 penalty")["median"] < _fid(t, "mode collapse")["median"] / 2),
    "a discriminator that wins wins more with two time-scales (it gets faster still): worse on every seed":
        lambda t: _apart(_fid(t, "discriminator wins"), _fid(t, "discriminator wins", "two time-scales")),
    "spectral normalisation (no dropout, the failure's rates) stops the discriminator winning, its two scores "
    "within 0.1, yet ends worse on every seed: the generator's gradient is at least five times smaller":
        lambda t: (_apart(_fid(t, "discriminator wins"), _fid(t, "discriminator wins", "spectral norm"))
                   and t["discriminator wins", "spectral norm"]["d_real"]["max"]
                   - t["discriminator wins", "spectral norm"]["d_fake"]["min"] < 0.1
                   and t["discriminator wins", "spectral norm"]["g_grad_norm"]["max"]
                   < t["discriminator wins", "none"]["g_grad_norm"]["min"] / 5),
    "replacing the saturating loss helps on every seed: the hinge loss, and WGAN-GP more":
        lambda t: (_apart(_fid(t, "saturating loss", "hinge loss"), _fid(t, "saturating loss"))
                   and _apart(_fid(t, "saturating loss", "WGAN-GP"), _fid(t, "saturating loss", "hinge loss"))),
    "WGAN-GP does better against the saturating row's critic, ten times as fast as its generator, than with its "
    "paper's rates on the healthy recipe":
        lambda t: _apart(_fid(t, "saturating loss", "WGAN-GP"), _fid(t, "healthy", "WGAN-GP")),
    "memorisation shows on all three instruments: FID at least four times the healthy run's, the discriminator "
    "believing its training digits far more than unseen ones (medians), and most samples near-copies":
        lambda t: (_fid(t, "memorisation")["min"] > 4 * _fid(t, "healthy")["max"]
                   and _gap(t, "memorisation") > 0.3 > 10 * abs(_gap(t, "healthy"))
                   and t["memorisation", "none"]["copy_share"]["min"] > 0.5),
    "spectral normalisation, with its paper's Adam(2e-4), stops the copying (under 1 % near-copies on every "
    "seed) and brings all ten digits back":
        lambda t: (t["memorisation", "spectral norm"]["copy_share"]["max"] < 0.01
                   and t["memorisation", "spectral norm"]["classes_covered"]["min"] == 10
                   and _apart(_fid(t, "memorisation", "spectral norm"), _fid(t, "memorisation"))),
    "spectral normalisation's Adam(2e-4) alone (the control) does not stop the memorising: its discriminator still "
    "believes its training digits far more than unseen ones (medians), and on every seed it leaves more "
    "near-copies and a lower recall than with the normalisation":
        lambda t: (_gap(t, "memorisation", "Adam 2e-4") > 0.3
                   and _apart(t["memorisation", "spectral norm"]["copy_share"],
                              t["memorisation", "Adam 2e-4"]["copy_share"])
                   and _apart(t["memorisation", "Adam 2e-4"]["recall"], t["memorisation", "spectral norm"]["recall"])),
    "neither fix tried on the healthy recipe is free: WGAN-GP and R1 each leave it with a higher FID on every seed":
        lambda t: all(_apart(_fid(t, "healthy"), _fid(t, "healthy", x)) for x in ("WGAN-GP", "R1 penalty")),
    "R1 leaves the healthy run's generator a gradient under a tenth of the one it gets without it, on every seed":
        lambda t: t["healthy", "R1 penalty"]["g_grad_norm"]["max"] < t["healthy", "none"]["g_grad_norm"]["min"] / 10,
}


def table_lessons(results: dict) -> dict:
    """Whether each of ``LESSONS`` holds in a fixes-table results file.

    Args:
        results: ``benchmarks/failures.py``'s JSON (such as ``course_result("failures.json")``).

    Returns:
        dict: lesson → bool (False also when a cell it needs was not run).
    """
    cells = table_cells(results)
    verdicts = {}
    for lesson, check in LESSONS.items():
        try:
            verdicts[lesson] = bool(check(cells))
        except KeyError:  # a results file without one of the cells this lesson reads
            verdicts[lesson] = False
    return verdicts
