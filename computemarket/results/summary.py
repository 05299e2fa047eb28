"""Summaries over seeds: per-point mean, sd and confidence interval; threshold crossing.

Per design point: mean, standard deviation and confidence interval over seeds, and the probability
and time of crossing a threshold.

These are pure functions of pandas tables, so they work on any sweep's metrics (see
:func:`computemarket.results.load`) and are tested against hand-computed values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats


def mean_interval(
    values: np.ndarray, confidence: float = 0.95
) -> tuple[float, float, float, float]:
    """Mean, sample standard deviation and Student-t confidence interval of the mean.

    Args:
        values: Observations (NaN are dropped).
        confidence: Coverage of the interval.

    Returns:
        ``(mean, sd, low, high)``; ``sd``, ``low`` and ``high`` are NaN with fewer than 2 values.
    """
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = values.size
    if n == 0:
        return (np.nan, np.nan, np.nan, np.nan)
    mean = float(values.mean())
    if n < 2:
        return (mean, np.nan, np.nan, np.nan)
    sd = float(values.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / np.sqrt(n)
    return (mean, sd, mean - half, mean + half)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (sensible at 0 and 1, unlike the normal one).

    Returns:
        ``(low, high)``; NaN for ``n == 0``.
    """
    if n == 0:
        return (np.nan, np.nan)
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


def point_summary(
    values: pd.DataFrame, factors: Sequence[str], metrics: Sequence[str], confidence: float = 0.95
) -> pd.DataFrame:
    """Per design point and metric: number of runs, mean, sd and confidence interval over seeds.

    Args:
        values: One row per run with ``point``, the factor columns and the metric columns.
        factors: Factor columns, copied into the result.
        metrics: Metric columns to summarise.
        confidence: Coverage of the interval of the mean.

    Returns:
        Long table: ``point``, factors, ``metric``, ``n``, ``mean``, ``sd``, ``ci_low``, ``ci_high``.
    """
    rows = []
    for point, group in values.groupby("point", sort=True):
        fixed = {f: group[f].iloc[0] for f in factors}
        for metric in metrics:
            column = group[metric].to_numpy(dtype=float)
            mean, sd, low, high = mean_interval(column, confidence)
            rows.append(
                {
                    "point": point,
                    **fixed,
                    "metric": metric,
                    "n": int((~np.isnan(column)).sum()),
                    "mean": mean,
                    "sd": sd,
                    "ci_low": low,
                    "ci_high": high,
                }
            )
    columns = ["point", *factors, "metric", "n", "mean", "sd", "ci_low", "ci_high"]
    return pd.DataFrame(rows, columns=columns)


def threshold_crossing(
    metrics: pd.DataFrame,
    factors: pd.DataFrame,
    metric: str,
    threshold: float,
    *,
    quarter: int,
    below: bool = False,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per design point: how likely a metric is past a threshold at a quarter, and when it first gets there.

    Args:
        metrics: Tidy per-run metrics: ``row``, ``point``, ``quarter`` and ``metric``.
        factors: One row per point: ``point`` and the factor columns.
        metric: The metric to test.
        threshold: The threshold (e.g. 1,800 HHI points).
        quarter: The quarter at which to test (and the last quarter searched for the first crossing).
        below: Test ``metric < threshold`` instead of ``metric > threshold``.
        confidence: Coverage of the Wilson interval of the probability.

    Returns:
        One row per point: factors, ``n`` runs, ``p_at`` (share of runs past the threshold at the
        quarter) with ``p_at_low``/``p_at_high``, ``p_by`` (share past it at any kept quarter up to
        then), ``n_crossed``, and ``years_to_cross_mean``/``years_to_cross_median`` (years from the
        start to the first crossing, over the runs that crossed).
    """
    window = metrics[metrics["quarter"] <= quarter]
    past = window[metric] < threshold if below else window[metric] > threshold
    window = window.assign(_past=past.to_numpy())
    rows = []
    for point, group in window.groupby("point", sort=True):
        at = group[group["quarter"] == quarter]
        n = int(at["row"].nunique())
        hits = int(at["_past"].sum())
        first = group[group["_past"]].groupby("row")["quarter"].min() / 4.0
        low, high = wilson_interval(hits, n, confidence)
        rows.append(
            {
                "point": point,
                "n": n,
                "p_at": hits / n if n else np.nan,
                "p_at_low": low,
                "p_at_high": high,
                "p_by": first.size / group["row"].nunique(),
                "n_crossed": int(first.size),
                "years_to_cross_mean": float(first.mean()) if first.size else np.nan,
                "years_to_cross_median": float(first.median()) if first.size else np.nan,
            }
        )
    result = pd.DataFrame(rows)
    if result.empty:
        return result
    return factors.merge(result, on="point", how="right")


def interval_over_time(
    metrics: pd.DataFrame, metric: str, by: str = "point", confidence: float = 0.95
) -> pd.DataFrame:
    """Per group and quarter: number of runs, mean and Student-t confidence interval of a metric.

    Args:
        metrics: Tidy per-run metrics with ``quarter``, the ``by`` column and ``metric``.
        metric: The metric to summarise.
        by: The column that names a group of runs (a design point by default).
        confidence: Coverage of the interval of the mean.

    Returns:
        One row per group and quarter: ``by``, ``quarter``, ``n``, ``mean``, ``ci_low`` and
        ``ci_high`` (NaN with fewer than 2 runs).
    """
    grouped = metrics.groupby([by, "quarter"], sort=True)[metric]
    table = grouped.agg(n="count", mean="mean", sd="std").reset_index()
    n = table["n"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = stats.t.ppf(0.5 + confidence / 2, np.where(n > 1, n - 1, np.nan))
        half = t * table["sd"].to_numpy(dtype=float) / np.sqrt(n)
    table["ci_low"] = table["mean"] - half
    table["ci_high"] = table["mean"] + half
    return table.drop(columns="sd")
