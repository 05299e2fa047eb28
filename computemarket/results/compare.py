"""Paired comparisons between design points of a sweep: the effect of a change, with its interval.

With common seeds (the default of an experiment), replicate ``r`` of every point shares one seed, so
the difference between two points is measured seed by seed: a paired comparison, much tighter than
comparing two means.

When the sweep varies other factors as well (a comparison crossed with a Latin-hypercube or Sobol'
design over parameters, such as ``deal-robustness``), each run is paired with the run of the
reference value at the *same values of the other factors* and the same replicate. The effect is
then the mean difference over the whole design (the average effect over the space the design
covers), and each cell of the other factors is tested on its own: ``positive``, ``negative`` and
``not_significant`` are the shares of the cells where the paired t-test over the cell's seeds
finds the effect significantly above zero, below zero, or neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import pandas as pd
from scipy import stats

from computemarket.results.errors import ComparisonError
from computemarket.results.summary import mean_interval


class SweepResults(Protocol):
    """What a comparison reads from a sweep (a :class:`computemarket.results.load.SweepResults`).

    A protocol rather than an import: ``load`` uses this module, so it may not import ``load``.
    """

    factors: list[str]

    @property
    def metric_names(self) -> list[str]:
        """The metric columns kept by the sweep."""
        ...

    def at(self, year: float | None = None, *, after: float | None = None) -> pd.DataFrame:
        """One row per finished run at a time: factors and metrics."""
        ...


__all__ = ["ComparisonError", "cell_significance", "paired_differences", "paired_effects"]

SIGNIFICANCE = 0.05
"""Level of the per-cell paired t-test that classifies an effect as positive or negative."""


def paired_differences(
    results: SweepResults,
    factor: str,
    reference: object,
    metrics: Sequence[str] | None = None,
    *,
    year: float | None = None,
    after: float | None = None,
) -> pd.DataFrame:
    """Every paired difference: one row per run of a non-reference value that has a partner.

    Args:
        results: A loaded sweep.
        factor: A factor of the design (e.g. ``"scenario"``).
        reference: The factor's value to compare against.
        metrics: Metric names; default: every kept metric.
        year: A calendar year; default: the horizon.
        after: Years from the start instead of ``year``.

    Returns:
        Columns ``factor`` (the treated value), ``cell`` (an integer naming the other factors'
        values, 0 when there are none), ``point`` (the treated run's design point), the other
        factors, ``replicate``, and for each metric
        ``METRIC`` (treated minus reference) and ``METRIC@reference`` and ``METRIC@treated``.

    Raises:
        ComparisonError: If ``factor`` is not a factor of the sweep or ``reference`` not one of
            its values.
    """
    if factor not in results.factors:
        raise ComparisonError(
            f"--versus {factor}: not a factor of this sweep (factors: {', '.join(results.factors) or 'none'})"
        )
    others = [f for f in results.factors if f != factor]
    table = results.at(year, after=after)
    values = list(dict.fromkeys(table[factor].tolist()))
    if reference not in values:
        raise ComparisonError(
            f"--versus {factor}={reference}: no such value (values: {', '.join(map(str, values))})"
        )
    names = list(metrics) if metrics else list(results.metric_names)
    keys = [*others, "replicate"]
    base = table[table[factor] == reference][[*keys, *names]]
    treated = table[table[factor] != reference][[factor, "point", *keys, *names]]
    pairs = treated.merge(base, on=keys, suffixes=("@treated", "@reference"))
    out = pairs[[factor, "point", *keys]].copy()
    out.insert(1, "cell", pairs.groupby(others, sort=False).ngroup() if others else 0)
    for metric in names:
        treated_values, before = pairs[f"{metric}@treated"], pairs[f"{metric}@reference"]
        out[metric] = treated_values.to_numpy(dtype=float) - before.to_numpy(dtype=float)
        out[f"{metric}@reference"] = before.to_numpy(dtype=float)
        out[f"{metric}@treated"] = treated_values.to_numpy(dtype=float)
    return out.reset_index(drop=True)  # in the design's order: the merge keeps the treated rows


def cell_significance(
    differences: pd.DataFrame, metric: str, level: float = SIGNIFICANCE
) -> pd.DataFrame:
    """Per cell of the other factors: the mean paired difference and its sign at a level.

    Args:
        differences: Rows of :func:`paired_differences` for one treated value.
        metric: The metric.
        level: Two-sided level of the paired t-test over the cell's seeds.

    Returns:
        One row per cell: ``cell``, ``n`` (seeds), ``effect`` (mean difference), ``p_value`` and
        ``sign``: ``1`` (significantly positive), ``-1`` (negative), ``0`` (not significant:
        p > level, no difference at all, or fewer than two seeds).
    """
    grouped = differences.groupby("cell", sort=True)[metric]
    cells = grouped.agg(n="count", effect="mean", sd="std").reset_index()
    n = cells["n"].to_numpy(dtype=float)
    effect = cells["effect"].to_numpy(dtype=float)
    sd = cells["sd"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = effect / (sd / np.sqrt(n))
        p = 2 * stats.t.sf(np.abs(t), np.where(n > 1, n - 1, np.nan))
    # The same non-zero difference in every seed is as significant as a difference can be.
    p = np.where((sd == 0) & (n > 1), np.where(effect != 0, 0.0, 1.0), p)
    p = np.where(n > 1, p, np.nan)
    sign = np.where(p <= level, np.sign(effect), 0).astype(int)
    return cells.drop(columns="sd").assign(p_value=p, sign=sign)


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
        paired t-test ``p_value``. If the sweep varies other factors too, also ``cells`` (points of
        the other factors) and the shares of them where the effect is ``positive``, ``negative`` or
        ``not_significant`` (paired t-test over each cell's seeds at the 5% level; see the module).

    Raises:
        ComparisonError: If ``factor`` is not a factor of the sweep or ``reference`` not one of its
            values.
    """
    pairs = paired_differences(results, factor, reference, metrics, year=year, after=after)
    names = list(metrics) if metrics else list(results.metric_names)
    crossed = len(results.factors) > 1
    rows = []
    for value, group in pairs.groupby(factor, sort=False):
        for metric in names:
            difference = group[metric].to_numpy(dtype=float)
            before = group[f"{metric}@reference"].to_numpy(dtype=float)
            treated_values = group[f"{metric}@treated"].to_numpy(dtype=float)
            mean, sd, low, high = mean_interval(difference, confidence)
            spread = np.nanstd(difference) if difference.size else 0.0
            p_value = (
                float(stats.ttest_rel(treated_values, before).pvalue)
                if difference.size > 1 and spread > 0
                else np.nan
            )
            row = {
                factor: value,
                "metric": metric,
                "n": int(difference.size),
                "reference_mean": float(np.nanmean(before)) if before.size else np.nan,
                "mean": float(np.nanmean(treated_values)) if treated_values.size else np.nan,
                "effect": mean,
                "sd": sd,
                "low": low,
                "high": high,
                "p_value": p_value,
            }
            if crossed:
                signs = cell_significance(group, metric)["sign"].to_numpy()
                row |= {
                    "cells": int(signs.size),
                    "positive": float(np.mean(signs > 0)),
                    "negative": float(np.mean(signs < 0)),
                    "not_significant": float(np.mean(signs == 0)),
                }
            rows.append(row)
    return pd.DataFrame(rows)
