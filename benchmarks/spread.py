"""The spread of a figure over seeds, the way every benchmark here reports it."""

from __future__ import annotations

import statistics


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
