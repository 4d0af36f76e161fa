"""What the benchmarks that train over seeds share: their common options, the command line they record, and
the spread of a figure over the seeds, the way every benchmark here reports it."""

from __future__ import annotations

import shlex
import statistics
import sys
from pathlib import Path

from ganlib.files import RESULTS

# Where a result that a chapter shows goes: inside the package (ganlib.files.RESULTS, where course_result reads
# it), so the chapter finds it in an installed wheel. Other results stay in benchmarks/results.
COURSE_RESULTS = RESULTS


def add_arguments(parser, results_name: str, seeds=(42, 7, 1),
                  folder: Path = Path(__file__).parent / "results") -> None:
    """Add the options every such benchmark takes: ``--seeds``, ``--n-train``, ``--n-eval`` and ``--out``
    (default: ``<folder>/<results_name>``; ``COURSE_RESULTS`` for a result a chapter shows)."""
    parser.add_argument("--seeds", type=int, nargs="+", default=list(seeds))
    parser.add_argument("--n-train", type=int, default=None, help="train on this many digits (default: all 60,000)")
    parser.add_argument("--n-eval", type=int, default=10000)
    parser.add_argument("--out", default=str(folder / results_name))


def command(script: str, argv=None) -> str:
    """The command line that ran ``script`` with ``argv`` (default: this process's arguments), as recorded."""
    return f"python benchmarks/{script} " + shlex.join(sys.argv[1:] if argv is None else argv)


def spread(values) -> dict:
    """The median, lowest and highest of ``values`` (a figure over seeds). Infinity counts as the largest
    value; NaN (a figure a run could not measure) is left out, and all NaN gives NaN.

    Args:
        values: numbers, one per seed.

    Returns:
        dict: ``{"median", "min", "max"}``.
    """
    values = [float(v) for v in values]
    if not values:
        raise ValueError("no values to summarise: run at least one seed.")
    known = [v for v in values if v == v]
    if not known:
        return {"median": float("nan"), "min": float("nan"), "max": float("nan")}
    return {"median": statistics.median(known), "min": min(known), "max": max(known)}
