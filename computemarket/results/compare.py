"""Paired comparisons between design points of a sweep: the effect of a change, with its interval.

With common seeds (the default of an experiment), replicate ``r`` of every point shares one seed, so
the difference between two points is measured seed by seed: a paired comparison, much tighter than
comparing two means.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from computemarket.results.errors import ComparisonError
from computemarket.results.summary import mean_interval

if TYPE_CHECKING:
    from computemarket.results.load import SweepResults

__all__ = ["ComparisonError", "paired_effects"]


def paired_effects(
    results: SweepResults,
    factor: str,
    reference: object,
    metrics: Sequence[str] | None = None,
    *,
    year: float | None = None,
    after: float | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Effect of each value of ``factor`` against ``reference``, paired by replicate.

    Args:
        results: A loaded sweep.
        factor: A factor of the design (e.g. ``"scenario"``).
        reference: The factor's value to compare against (e.g. ``"calibrated-2025"``).
        metrics: Metric names; default: every kept metric.
        year: A calendar year; default: the horizon.
        after: Years from the start instead of ``year``.
        confidence: Coverage of the intervals.

    Returns:
        One row per other value and metric: ``factor``, ``metric``, ``n`` (pairs), ``reference_mean``,
        ``mean``, ``effect`` (mean paired difference), its ``sd``, ``low``, ``high`` and the two-sided
        paired t-test ``p_value``.

    Raises:
        ComparisonError: If ``factor`` is not a factor of the sweep, ``reference`` not one of its values,
            or the sweep has other factors too (the pairs would not be comparable).
    """
    if factor not in results.factors:
        raise ComparisonError(
            f"--versus {factor}: not a factor of this sweep (factors: {', '.join(results.factors) or 'none'})"
        )
    others = [f for f in results.factors if f != factor]
    if others:
        raise ComparisonError(
            f"--versus {factor}: the sweep also varies {', '.join(others)}; pairs would not be comparable"
        )
    table = results.at(year, after=after)
    values = list(dict.fromkeys(table[factor].tolist()))
    if reference not in values:
        raise ComparisonError(
            f"--versus {factor}={reference}: no such value (values: {', '.join(map(str, values))})"
        )
    names = list(metrics) if metrics else list(results.metric_names)
    base = table[table[factor] == reference].set_index("replicate")
    rows = []
    for value in values:
        if value == reference:
            continue
        other = table[table[factor] == value].set_index("replicate")
        common = base.index.intersection(other.index)
        for metric in names:
            a = base.loc[common, metric].to_numpy(dtype=float)
            b = other.loc[common, metric].to_numpy(dtype=float)
            difference = b - a
            mean, sd, low, high = mean_interval(difference, confidence)
            spread = np.nanstd(difference)
            p_value = (
                float(stats.ttest_rel(b, a).pvalue) if len(common) > 1 and spread > 0 else np.nan
            )
            rows.append(
                {
                    factor: value,
                    "metric": metric,
                    "n": len(common),
                    "reference_mean": float(np.nanmean(a)) if len(a) else np.nan,
                    "mean": float(np.nanmean(b)) if len(b) else np.nan,
                    "effect": mean,
                    "sd": sd,
                    "low": low,
                    "high": high,
                    "p_value": p_value,
                }
            )
    return pd.DataFrame(rows)
