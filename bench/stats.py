"""Latency statistics: percentiles of timed samples, and medians across rounds.

    percentile([1, 2, 3, 4], 50) -> 2.5      (linear interpolation, as numpy's default)
    summarize([1.0, 2.0, 30.0]) -> Summary(count=3, p50=2.0, p95=27.2, p99=29.44, ...)

A benchmark runs its query mix in several rounds; each round gets its own Summary, and
the figure quoted is the median of the rounds' figures (``median_summary``), so one round
slowed by a neighbour's job on the shared machine does not move the result much.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of ``values``, interpolating between closest ranks."""
    if not values:
        raise ValueError("percentile of no samples")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0-100")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Summary:
    """Count, percentiles, mean and max of one set of samples (milliseconds)."""

    count: int
    p50: float
    p95: float
    p99: float
    mean: float
    max: float

    def to_dict(self) -> dict:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


def summarize(samples: Sequence[float]) -> Summary:
    """The Summary of one set of samples."""
    if not samples:
        raise ValueError("summary of no samples")
    return Summary(
        count=len(samples),
        p50=percentile(samples, 50),
        p95=percentile(samples, 95),
        p99=percentile(samples, 99),
        mean=statistics.fmean(samples),
        max=max(samples),
    )


def median_summary(rounds: Sequence[Sequence[float]]) -> Summary:
    """Each figure as the median of that figure over the rounds; count is the samples' sum."""
    summaries = [summarize(r) for r in rounds if r]
    if not summaries:
        raise ValueError("median of no rounds")
    values = {
        f.name: statistics.median(getattr(s, f.name) for s in summaries)
        for f in fields(Summary)
        if f.name != "count"
    }
    return Summary(count=sum(s.count for s in summaries), **values)


def growth_exponent(sizes: Sequence[float], values: Sequence[float]) -> float | None:
    """The k of ``value ~ size**k`` between the first and last points (k < 1: sub-linear).

    growth_exponent([1_000, 10_000], [2.0, 4.0]) -> 0.301 (10x the size, 2x the latency)
    """
    if len(sizes) < 2 or sizes[0] <= 0 or sizes[-1] == sizes[0] or values[0] <= 0:
        return None
    if values[-1] <= 0:
        return None
    return math.log(values[-1] / values[0]) / math.log(sizes[-1] / sizes[0])
