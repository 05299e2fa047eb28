"""Figures of which factors matter in a sweep: Sobol' or Morris indices, and threshold crossings.

Each function takes a sweep opened by :func:`computemarket.results.load` and returns a
:class:`matplotlib.figure.Figure` of slide size; times, factors and metrics are read as in
:mod:`computemarket.results.figures_sweep`, whose helpers these figures share.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from computemarket.results.figures_sweep import (
    MAX_POINTS,
    Levels,
    check_factor,
    check_metric,
    factor_label,
    factor_levels,
    horizon_text,
    level_colours,
    sweep_title,
)
from computemarket.results.load import SweepResults
from computemarket.results.source import FigureError
from computemarket.results.style import (
    FONT_SIZE,
    INK,
    SERIES_COLOURS,
    WIDE,
    finish_axes,
    is_hhi,
    legend_beside,
    metric_style,
    new_figure,
    panel_title,
)
from computemarket.results.summary import wilson_interval
from computemarket.simulation.metrics import HHI_HIGH


def sensitivity_figure(
    sweep: SweepResults,
    metric: str | None = None,
    *,
    year: float | None = None,
    after: float | None = None,
    versus: tuple[str, object] | None = None,
) -> Figure:
    """Sensitivity indices with their 95% intervals: Sobol' first and total order, or Morris.

    Args:
        sweep: A loaded sweep made with the ``saltelli`` or ``morris`` design, every point finished.
        metric: The metric (default ``cloud_hhi``).
        year: A calendar year; default: the horizon.
        after: Years from the start instead of ``year``.
        versus: ``(factor, value)``: the indices of the paired effect against that value of a
            list factor crossed with the design (see :meth:`SweepResults.sensitivity`).

    Returns:
        One panel of horizontal bars, the most influential factor on top; a design crossed with
        a list factor has one panel per value.
    """
    metric = check_metric(sweep, metric)
    indices = sweep.sensitivity(metric, year=year, after=after, versus=versus)
    style = metric_style(metric)
    what = style.label if versus is None else f"the effect on {style.label} against {versus[1]}"
    blocks = list(indices.columns[: list(indices.columns).index("factor")])
    groups = list(indices.groupby(blocks, sort=False)) if blocks else [((), indices)]
    figure = new_figure(
        WIDE if len(groups) == 1 else (14.0, 4.2 * len(groups) + 1.0),
        title=f"Sensitivity of {what} at {horizon_text(sweep, year, after)}: {sweep_title(sweep)}",
    )
    axes = np.atleast_1d(figure.subplots(len(groups), 1, squeeze=False)).ravel()
    for ax, (key, block) in zip(axes, groups, strict=True):
        values = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{b} = {v}" for b, v in zip(blocks, values, strict=True))
        _sensitivity_panel(ax, block, style, label)
    return figure


def _sensitivity_panel(ax: Axes, indices: pd.DataFrame, style: Any, block: str) -> None:
    """One panel of indices: two bars per factor with their intervals."""
    if "ST" in indices:
        indices = indices.sort_values("ST")
        bars = (("S1", "first order (S1)"), ("ST", "total order (ST)"))
        xlabel = f"Sobol' index (share of the variance of {style.label})"
        title = "Sobol' indices with 95% bootstrap intervals"
    else:
        indices = indices.sort_values("mu_star")
        indices = indices.assign(
            mu_star=indices["mu_star"] * style.scale,
            mu_star_conf=indices["mu_star_conf"] * style.scale,
            sigma=indices["sigma"] * style.scale,
        )
        bars = (("mu_star", "mean absolute effect (mu*)"), ("sigma", "spread of effects (sigma)"))
        xlabel = f"elementary effect on {style.label} ({style.unit})".replace("$", r"\$")
        title = "Morris screening with 95% bootstrap intervals of mu*"
    position = np.arange(len(indices))
    height = 0.38
    for i, (column, label) in enumerate(bars):
        error = indices.get(f"{column}_conf")
        ax.barh(
            position + (i - 0.5) * height,
            indices[column],
            height=height,
            color=SERIES_COLOURS[i],
            xerr=None if error is None else error,
            capsize=4,
            error_kw={"ecolor": INK, "linewidth": 1.2},
            label=label,
        )
    ax.set_yticks(position, [factor_label(f) for f in indices["factor"]])
    ax.axvline(0, color=INK, linewidth=0.8)
    ax.set_xlabel(xlabel, fontsize=FONT_SIZE)
    panel_title(ax, f"{title}{': ' + block if block else ''}")
    finish_axes(ax)
    legend_beside(ax, ax.get_legend_handles_labels()[0])


# ------------------------------------------------------------------------------------ crossing
def crossing_figure(
    sweep: SweepResults,
    metric: str | None = None,
    *,
    threshold: float | None = None,
    factor: str | None = None,
    year: float | None = None,
    after: float | None = None,
    below: bool = False,
) -> Figure:
    """Probability that a metric is past a threshold at a year, against a factor (Wilson 95% bars).

    Runs at one level of ``factor`` are pooled over the other factors, except a second factor of a
    grid with at most :data:`MAX_POINTS` levels, which gets a line per level.

    Args:
        sweep: A loaded sweep.
        metric: The metric (default ``cloud_hhi``).
        threshold: The threshold; default 1,800 for an HHI (required otherwise).
        factor: The factor on the x axis (default: the first).
        year: A calendar year; default: the horizon.
        after: Years from the start instead of ``year``.
        below: The probability of being below the threshold instead of above.

    Returns:
        One panel; probabilities in %.
    """
    metric = check_metric(sweep, metric)
    if threshold is None:
        if not is_hhi(metric):
            raise FigureError(
                f"crossing: give a threshold for {metric!r} (e.g. --threshold '{metric}>0.5')"
            )
        threshold = HHI_HIGH
    factor = check_factor(sweep, factor)
    per_point = sweep.crossing(metric, threshold, year=year, after=after, below=below)
    if per_point.empty:
        raise FigureError(
            f"{sweep.directory}: no finished run at {horizon_text(sweep, year, after)}"
        )
    others = [f for f in sweep.factors if f != factor]
    group_factor = (
        others[0] if len(others) == 1 and per_point[others[0]].nunique() <= MAX_POINTS else None
    )
    x = factor_levels(per_point[factor])
    groups = (
        factor_levels(per_point[group_factor])
        if group_factor
        else Levels(np.zeros(len(per_point), int), ["all runs"], None)
    )
    style = metric_style(metric)
    sign = "<" if below else ">"
    figure = new_figure(
        WIDE, title=f"Probability that {style.label} {sign} {threshold:,.4g}: {sweep_title(sweep)}"
    )
    ax = figure.subplots()
    colours = level_colours(groups) if group_factor else [SERIES_COLOURS[0]]
    positions = x.positions if x.positions is not None else np.arange(len(x.labels), dtype=float)
    pooled = pool_crossing(per_point, x.codes, groups.codes)
    for g, label in enumerate(groups.labels):
        line = pooled[pooled["g"] == g]
        # Lines of equal probabilities would hide each other: dodge them sideways a little.
        dodge = (g - (len(groups.labels) - 1) / 2) * 0.012 * max(np.ptp(positions), 1.0)
        ax.errorbar(
            positions[line["x"].to_numpy()] + dodge,
            line["p"] * 100,
            yerr=[(line["p"] - line["low"]) * 100, (line["high"] - line["p"]) * 100],
            color=colours[g],
            marker="o",
            markersize=7,
            linewidth=2,
            capsize=4,
            label=label,
        )
    ax.set_xticks(positions, x.labels)
    ax.set_ylim(-3, 103)
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_ylabel(
        f"probability at {horizon_text(sweep, year, after)} (% of runs)", fontsize=FONT_SIZE
    )
    ax.set_xlabel(factor_label(factor), fontsize=FONT_SIZE)
    panel_title(
        ax,
        f"Share of runs with {metric} {sign} {threshold:,.4g} at {horizon_text(sweep, year, after)}, "
        "with 95% Wilson intervals",
    )
    finish_axes(ax)
    title = factor_label(group_factor) if group_factor else None
    legend_beside(ax, ax.get_legend_handles_labels()[0], title=title, title_fontsize=FONT_SIZE - 2)
    return figure


def pool_crossing(per_point: pd.DataFrame, x: np.ndarray, group: np.ndarray) -> pd.DataFrame:
    """Pool the runs of the points at each level ``x`` and line ``group``: probability and interval.

    Args:
        per_point: :meth:`SweepResults.crossing` (``n`` runs and ``p_at`` per point).
        x: Level of each point on the x axis.
        group: Line of each point.

    Returns:
        One row per line and level: ``g``, ``x``, ``hits``, ``n``, ``p`` and the Wilson 95%
        interval ``low``, ``high``.
    """
    hits = (per_point["p_at"] * per_point["n"]).round()
    pooled = (
        pd.DataFrame({"g": group, "x": x, "hits": hits, "n": per_point["n"]})
        .groupby(["g", "x"], as_index=False)[["hits", "n"]]
        .sum()
    )
    bounds = [
        wilson_interval(int(h), int(n)) for h, n in zip(pooled["hits"], pooled["n"], strict=True)
    ]
    low, high = zip(*bounds, strict=True) if bounds else ((), ())
    return pooled.assign(p=pooled["hits"] / pooled["n"], low=low, high=high)


# -------------------------------------------------------------------------------- distribution
