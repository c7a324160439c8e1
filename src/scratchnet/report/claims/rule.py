"""The one tolerance rule of the claims audit, stated once on every page (:data:`RULE_TEXT`).

Let p be half a unit of the seed's last printed digit (``"86.88 %"`` -> p = 0.005 % = 0.00005; ``"0.7"`` -> 0.05;
``"~44"`` -> 0.5), in our units.

- **single run** (``basis: single_run``, the default): the seed reports one run. Its value is *reproduced* when it
  lies within our runs' 2.5th-97.5th percentile, widened by p on each side; *differs* otherwise. With fewer than
  :data:`MIN_RUNS_FOR_PERCENTILES` runs the interval is their range, and the verdict says so.
- **mean** (``basis: mean``): both the seed and we report a mean over runs. The seed's value is *reproduced* when it
  lies within the 95 % interval of our mean (Student's t over our runs), widened by p.
- **bound** (``relation: "<"`` or ``">"``, e.g. "over 96 %"): the seed states that its value lies beyond a bound; it
  is *reproduced* when our interval (as above) reaches beyond the bound, widened by p.
- **threshold** (``threshold: t``): a word read as a threshold ("nearly", "close", "similar", "slightly") — ours is
  *reproduced* when within ±t of the seed's value. The claim names ``effect``, the difference the sentence is about
  (e.g. the drop from part 2 in "close to part 2"), and t may be at most half of it.
- **exception** (``tolerance: x`` with ``tolerance_reason``): a fixed ±x around the seed's value, and the reason is
  shown in the claim's note.

A name (a selected variant, a layer list) must be equal. Claims our configuration decides (a count we set, an input we
chose) are **setup** rows: shown, never counted.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np

MIN_RUNS_FOR_PERCENTILES = 5
NUMBER = re.compile(r"[-−]?\d+(?:,\d{3})*(?:\.\d+)?")
BASES = ("single_run", "mean")

RULE_TEXT = (
    "**How a number is judged** (one rule for every claim on this page). Let *p* be half a unit of the seed's last "
    "printed digit. Where the seed reports a single run, its value is *reproduced* when it lies within our runs' "
    "2.5th–97.5th percentile widened by *p* (with fewer than five runs: their range widened by *p*, as the claim "
    "says); where both the seed and we report a mean over runs, within our mean's 95 % interval widened by *p*. A "
    "bound the seed states (\"over 96 %\") is reproduced when that interval reaches beyond it. A word read as a "
    "threshold (\"close\", \"similar\") names its threshold, at most half the effect the sentence is about. An "
    "exception carries its reason in the claim's note. An ordering is judged by 95 % bootstrap intervals of the "
    "statistic, a difference in spread by the Brown–Forsythe test at α = 0.05. **Setup** rows state what our "
    "configuration decides; they are shown, not counted."
)


@dataclass(frozen=True)
class Written:
    """A number as the seed printed it: its value in our units, and p (half a unit of its last digit, same units)."""

    text: str
    value: float
    p: float


def parse_written(text: Any, scale: float = 1.0) -> Written:
    """``"86.88 %"`` -> 0.8688 (p 0.00005); ``"~44 minutes"`` with ``scale: 60`` -> 2640 (p 30); ``"1,500"`` -> 1500.
    A percent sign divides by 100; ``scale`` converts the seed's unit into ours. Raises ValueError naming the text."""
    s = str(text)
    m = NUMBER.search(s)
    if not m:
        raise ValueError(f"as_written {s!r} holds no number")
    token = m.group(0).replace("−", "-").replace(",", "")
    try:
        dec = Decimal(token)
    except InvalidOperation:
        raise ValueError(f"as_written {s!r}: {token!r} is not a number") from None
    factor = float(scale) * (0.01 if "%" in s[m.end() :] else 1.0)
    half_unit = 0.5 * 10.0 ** dec.as_tuple().exponent
    return Written(s, float(dec) * factor, half_unit * abs(factor))


def ours_interval(values: list[float], basis: str) -> tuple[float, float, str]:
    """The interval our runs give under ``basis``, and how it was made (for the claims table)."""
    v = np.asarray([x for x in values if x is not None and math.isfinite(x)], dtype=float)
    if v.size == 0:
        raise ValueError("no finite values of ours")
    if basis == "mean":
        mean = float(v.mean())
        if v.size < 2:
            return mean, mean, "mean of 1 run, no interval"
        from scipy.stats import t

        half = float(t.ppf(0.975, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size))
        return mean - half, mean + half, f"95 % interval of our mean ({v.size} runs)"
    if v.size < MIN_RUNS_FOR_PERCENTILES:
        return float(v.min()), float(v.max()), f"range of our {v.size} run{'s' if v.size > 1 else ''}"
    low, high = np.percentile(v, [2.5, 97.5])
    return float(low), float(high), f"2.5–97.5th percentile of our {v.size} runs"


def judge(
    seed: float, p: float, values: list[float], basis: str = "single_run", relation: str = "=",
    threshold: float | None = None, tolerance: float | None = None,
) -> tuple[bool, str]:  # fmt: skip
    """Whether the seed's value is reproduced by our per-seed ``values``, and the interval text shown for it."""
    if tolerance is not None or threshold is not None:
        width = tolerance if tolerance is not None else threshold
        mean = float(np.mean([x for x in values if x is not None and math.isfinite(x)]))
        what = "threshold" if tolerance is None else "tolerance (exception)"
        return _beyond(seed, relation, mean - width - p, mean + width + p), f"ours ±{width:g} ({what})"
    low, high, how = ours_interval(values, basis)
    return _beyond(seed, relation, low - p, high + p), f"[{_g(low - p)}, {_g(high + p)}]: {how}, widened by p = {p:g}"


def _beyond(seed: float, relation: str, low: float, high: float) -> bool:
    """Whether the seed's statement holds somewhere in [low, high]: its value inside, or its bound reached."""
    eps = 1e-12
    if relation == ">":  # the seed's value is above ``seed``: reached if our interval goes above it
        return high > seed - eps
    if relation == "<":
        return low < seed + eps
    return low - eps <= seed <= high + eps


def _g(x: float) -> str:
    return f"{x:.4g}" if x != 0 and not 1e-3 <= abs(x) < 1e4 else f"{x:.4f}".rstrip("0").rstrip(".")
