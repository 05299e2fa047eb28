"""Figures of a sweep: metrics over time with 95% bands, heatmaps, spread between seeds.

Which factors matter (sensitivity indices, threshold crossings) is drawn by
:mod:`computemarket.results.figures_factors`, with the helpers defined here.

Each function takes a sweep opened by :func:`computemarket.results.load` and returns a
:class:`matplotlib.figure.Figure` of slide size. A time is a calendar year (``year=2036``) or years
from the start of the runs (``after=10``), as in ``computemarket summarize``; neither is the
horizon. A factor with more than
:data:`MAX_LEVELS` values (a Latin-hypercube, Sobol' or Saltelli design) is cut into
:data:`BINS` quantile bins; results at one level or bin pool the runs of every other factor.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, PercentFormatter

from computemarket.results.load import SweepResults, when_text
from computemarket.results.source import FigureError
from computemarket.results.style import (
    CATEGORY_COLOURS,
    FONT_SIZE,
    HHI_LEGEND_TITLE,
    HIGH_BAND_COLOUR,
    INK,
    SEQUENTIAL_CMAP,
    SERIES_COLOURS,
    SLIDE,
    THOUSANDS,
    WIDE,
    draw_hhi_bands,
    finish_axes,
    hhi_band_handles,
    is_hhi,
    legend_beside,
    metric_colour,
    metric_style,
    new_figure,
    panel_title,
    short_name,
)
from computemarket.results.summary import interval_over_time
from computemarket.simulation.metrics import HHI_HIGH
from computemarket.simulation.parameters import ParameterError, find_parameter

HEADLINE_METRICS = ("cloud_hhi", "model_hhi", "locked_share", "roundtrip_ratio")
"""Metrics drawn by default, those of them that the sweep kept."""
MAX_POINTS = 6
"""Most design points drawn as lines over time (one factor varied, the others held)."""
MAX_LEVELS = 12
BINS = 6
GRID_SAMPLERS = ("grid",)
ACRONYMS = {"ai": "AI", "gw": "GW", "hhi": "HHI", "capex": "capex"}


# ------------------------------------------------------------------------------------- helpers
def sweep_title(sweep: SweepResults) -> str:
    """``name - runs - seeds per point``, the title line of every figure of a sweep."""
    runs = int((sweep.design["status"] == "ok").sum())
    seeds = sweep.manifest["design"].get("seeds", "?")
    plural = "" if seeds == 1 else "s"
    return f"{sweep.name} - {runs} runs, {seeds} seed{plural} per point, {sweep.years} years"


def default_metric(sweep: SweepResults) -> str:
    """``cloud_hhi`` if the sweep kept it, else its first metric."""
    names = sweep.metric_names
    if not names:
        raise FigureError(f"{sweep.directory}: the sweep has no finished run yet")
    return "cloud_hhi" if "cloud_hhi" in names else names[0]


def headline_metrics(sweep: SweepResults) -> list[str]:
    """The headline metrics the sweep kept (up to four), else its first four metrics."""
    names = sweep.metric_names
    chosen = [m for m in HEADLINE_METRICS if m in names]
    return chosen or names[:4]


def factor_label(factor: str) -> str:
    """A factor's axis label with its unit from the scenario schema.

    E.g. ``switching cost (fraction of moved spend)``; ``rules`` and ``scenario`` are named as such.
    """
    if factor == "rules":
        return "rules preset"
    if factor == "scenario":
        return "scenario"
    unit = _schema_unit(factor)
    words = short_name(factor).split("_")
    name = " ".join(ACRONYMS.get(word, word) for word in words)
    return f"{name} ({unit})" if unit and unit != "-" else name


def _schema_unit(factor: str) -> str | None:
    try:
        return find_parameter(factor).unit
    except ParameterError:
        return None


def _level_text(value: object) -> str:
    return f"{value:g}" if isinstance(value, int | float | np.number) else str(value)


@dataclasses.dataclass
class Levels:
    """A factor's values as ordered levels: its own values, or quantile bins of many values.

    Attributes:
        codes: Level index of each row.
        labels: Text of each level.
        positions: Numeric position of each level (the value or the bin's centre), or ``None``
            for a categorical factor.
    """

    codes: np.ndarray
    labels: list[str]
    positions: np.ndarray | None


def factor_levels(values: pd.Series) -> Levels:
    """The ordered levels of a factor column (binned if numeric with many values)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        # A rules or scenario factor's categories are every value of the design; in a partly
        # finished sweep some have no run, and map() would give float codes (NaN for those).
        values = values.astype(object)
    numeric = pd.api.types.is_numeric_dtype(values)
    unique = pd.unique(values)
    if numeric and len(unique) > MAX_LEVELS:
        bins = pd.qcut(values, BINS, duplicates="drop")
        centres = np.array([interval.mid for interval in bins.cat.categories])
        labels = [f"{interval.left:.3g}-{interval.right:.3g}" for interval in bins.cat.categories]
        return Levels(bins.cat.codes.to_numpy(), labels, centres)
    ordered = sorted(unique) if numeric else list(unique)
    index = {value: i for i, value in enumerate(ordered)}
    codes = values.map(index).to_numpy()
    positions = np.asarray(ordered, dtype=float) if numeric else None
    return Levels(codes, [_level_text(v) for v in ordered], positions)


def check_factor(sweep: SweepResults, factor: str | None, default: int = 0) -> str:
    """The factor asked for, or the sweep's ``default``-th; a clear error if it has none."""
    if factor is None:
        if len(sweep.factors) <= default:
            raise FigureError(f"{sweep.directory}: the sweep has fewer than {default + 1} factors")
        return sweep.factors[default]
    if factor not in sweep.factors:
        raise FigureError(
            f"factor {factor!r} is not in this sweep (factors: {', '.join(sweep.factors)})"
        )
    return factor


def check_metric(sweep: SweepResults, metric: str | None) -> str:
    """The metric asked for, or the sweep's default; a clear error if the sweep did not keep it."""
    metric = metric or default_metric(sweep)
    if metric not in sweep.metric_names:
        raise FigureError(
            f"metric {metric!r} is not in this sweep (kept: {', '.join(sweep.metric_names) or 'none yet'})"
        )
    return metric


def horizon_text(sweep: SweepResults, year: float | None, after: float | None = None) -> str:
    """When a figure is read, in words (a calendar year, years after the start, or the horizon)."""
    return when_text(year, after, sweep.years)


def level_colours(levels: Levels) -> list:
    """One colour per level: categorical for few or unordered levels, a sequential map otherwise."""
    if levels.positions is None or len(levels.labels) <= 2:
        return [CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)] for i in range(len(levels.labels))]
    import matplotlib

    cmap = matplotlib.colormaps[SEQUENTIAL_CMAP]
    # Stop short of cividis' pale yellow end, which is hard to see on white.
    return [cmap(x) for x in np.linspace(0.0, 0.85, len(levels.labels))]


def _value_axis(ax: Axes, metric: str, *, unit_only: bool = False) -> None:
    """Label the y axis with the metric and its unit (only the unit under a titled panel)."""
    style = metric_style(metric)
    text = style.unit.replace("$", r"\$") if unit_only else style.axis_label
    ax.yaxis.set_label_text(text, fontsize=FONT_SIZE)
    target = ax.yaxis
    if style.unit.startswith("%"):
        target.set_major_formatter(PercentFormatter(decimals=0))
    elif is_hhi(metric):
        target.set_major_formatter(THOUSANDS)


# ---------------------------------------------------------------------------------- over time
def over_time_figure(
    sweep: SweepResults,
    metrics: list[str] | None = None,
    *,
    confidence: float = 0.95,
) -> Figure:
    """Metrics over time: the mean over seeds and its 95% confidence band, per design point.

    On a grid, the first factor varies over up to :data:`MAX_POINTS` of its levels and the other
    factors are held at the level with the most finished points (named in the title). Other
    designs draw the mean over all runs with its interval and the 5-95% range across runs.

    Args:
        sweep: A loaded sweep.
        metrics: Up to four metrics (default: the headline metrics kept).
        confidence: Coverage of the band.

    Returns:
        One panel per metric.
    """
    metrics = [check_metric(sweep, m) for m in (metrics or headline_metrics(sweep))][:4]
    runs = sweep.metrics
    if runs.empty:
        raise FigureError(f"{sweep.directory}: the sweep has no finished run yet")
    groups, labels, colours, note = _time_groups(sweep)
    runs = runs.assign(group=runs["point"].map(groups)).dropna(subset=["group"])
    rows, cols = (1, len(metrics)) if len(metrics) <= 3 else (2, 2)
    figure = new_figure(
        SLIDE if rows == 2 else WIDE,
        title=f"Metrics over time, mean and {confidence:.0%} interval: {sweep_title(sweep)}",
    )
    panels = np.atleast_1d(figure.subplots(rows, cols, sharex=True, squeeze=False).ravel())
    # Calendar years when every run of a quarter has the same one; runs that start in different
    # years (a scenario factor such as calibrated-2023 against calibrated-2025) share the axis of
    # years from the start instead of a mean of their calendars.
    calendar = "year" in runs and bool((runs.groupby("quarter")["year"].nunique() == 1).all())
    when = (
        runs.groupby("quarter")["year"].first()
        if calendar
        else runs.groupby("quarter")["quarter"].first() / 4
    ).rename("year" if calendar else "years from the start")
    pooled = note == POOLED
    for ax, metric in zip(panels, metrics, strict=False):
        # Pooled runs draw each metric in its own colour, as every other figure does.
        line_colours = {0: metric_colour(metric)} if pooled else colours
        _draw_time_panel(ax, runs, metric, when, (labels, line_colours), confidence)
    for ax in panels[len(metrics) :]:
        ax.set_visible(False)
    for ax in panels[: len(panels) - cols]:
        ax.set_xlabel("")
    handles, _ = panels[0].get_legend_handles_labels()
    if is_hhi(metrics[0]):
        handles += hhi_band_handles()
    legend_beside(panels[cols - 1], handles, title=note, title_fontsize=FONT_SIZE - 2)
    return figure


def _draw_time_panel(
    ax: Axes,
    runs: pd.DataFrame,
    metric: str,
    when: pd.Series,
    lines: tuple[dict, dict],
    confidence: float,
) -> None:
    """One metric over time: a line and band per group of runs (``lines``: labels, colours)."""
    labels, colours = lines
    style = metric_style(metric)
    table = interval_over_time(runs, metric, by="group", confidence=confidence)
    # The t interval is symmetric; a share's band stops at 0% and 100%.
    table[["ci_low", "ci_high"]] = table[["ci_low", "ci_high"]].clip(*style.bounds)
    if is_hhi(metric):
        draw_hhi_bands(ax)
    for group, label in labels.items():
        line = table[table["group"] == group]
        x = when.reindex(line["quarter"]).to_numpy()
        low, high = line["ci_low"] * style.scale, line["ci_high"] * style.scale
        ax.fill_between(x, low, high, color=colours[group], alpha=0.15, linewidth=0)
        ax.plot(x, line["mean"] * style.scale, color=colours[group], linewidth=2.0, label=label)
    if len(labels) == 1:
        spread = runs.groupby("quarter")[metric].quantile([0.05, 0.95]).unstack() * style.scale
        x = when.reindex(spread.index).to_numpy()
        colour = colours[next(iter(labels))]
        ax.fill_between(
            x,
            spread[0.05],
            spread[0.95],
            color=colour,
            alpha=0.08,
            linewidth=0,
            label="5-95% of runs",
        )
    if is_hhi(metric):
        top = np.nanmax(table["ci_high"].to_numpy(dtype=float), initial=0.0)
        ax.set_ylim(0, min(10_000, max(2_500.0, 1.2 * top)))
    panel_title(ax, style.label)
    _value_axis(ax, metric, unit_only=True)
    ax.set_xlabel(str(when.name), fontsize=FONT_SIZE)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    finish_axes(ax)


POOLED = "all design points"


def _time_groups(sweep: SweepResults) -> tuple[dict, dict, dict, str]:
    """Which design points are drawn, and as which line.

    Returns:
        Point to group, group to label, group to colour, and the legend title.
    """
    points = sweep.points[sweep.points["point"].isin(sweep.metrics["point"].unique())]
    sampler = sweep.manifest["design"].get("sampler")
    if sampler not in GRID_SAMPLERS or not sweep.factors:
        return (
            dict.fromkeys(points["point"], 0),
            {0: "all runs, mean"},
            {0: SERIES_COLOURS[0]},
            POOLED,
        )
    varied, held = sweep.factors[0], sweep.factors[1:]
    if held:
        sizes = points.groupby(held, sort=True, dropna=False).size()
        best = sizes[sizes == sizes.max()].index[len(sizes[sizes == sizes.max()]) // 2]
        best = best if isinstance(best, tuple) else (best,)
        mask = np.logical_and.reduce([points[f] == v for f, v in zip(held, best, strict=True)])
        points = points[mask]
    points = points.sort_values(varied, kind="stable")
    if len(points) > MAX_POINTS:
        points = points.iloc[
            np.unique(np.linspace(0, len(points) - 1, MAX_POINTS).round().astype(int))
        ]
    levels = factor_levels(points[varied])
    colours = level_colours(levels)
    groups = dict(zip(points["point"], levels.codes, strict=True))
    labels = {code: levels.labels[code] for code in sorted(set(levels.codes))}
    note = factor_label(varied)
    if held:
        fixed = ", ".join(
            f"{short_name(f)} = {_level_text(v)}" for f, v in zip(held, best, strict=True)
        )
        note = f"{note}\n({fixed})"
    return groups, labels, {code: colours[code] for code in labels}, note


# ------------------------------------------------------------------------------------- heatmap
def heatmap_figure(
    sweep: SweepResults,
    metric: str | None = None,
    *,
    factors: tuple[str, str] | None = None,
    year: float | None = None,
    after: float | None = None,
    threshold: float | None = None,
) -> Figure:
    """Mean of a metric over two factors at a year, with the threshold's contour (1,800 for an HHI).

    Args:
        sweep: A loaded sweep with at least two factors.
        metric: The metric (default ``cloud_hhi``).
        factors: The x and y factors (default: the first two).
        year: A calendar year; default: the horizon.
        after: Years from the start instead of ``year``.
        threshold: Level of the contour; default: 1,800 for an HHI, none otherwise.

    Returns:
        One panel with a colour bar; each cell is annotated with its mean.
    """
    metric = check_metric(sweep, metric)
    x_factor = check_factor(sweep, factors[0] if factors else None, 0)
    y_factor = check_factor(sweep, factors[1] if factors else None, 1)
    if x_factor == y_factor:
        raise FigureError(f"heatmap: the two factors must differ (got {x_factor!r} twice)")
    threshold = HHI_HIGH if threshold is None and is_hhi(metric) else threshold
    values = sweep.at(year, after=after)
    if values.empty:
        raise FigureError(
            f"{sweep.directory}: no finished run at {horizon_text(sweep, year, after)}"
        )
    x, y = factor_levels(values[x_factor]), factor_levels(values[y_factor])
    style = metric_style(metric)
    cells = pd.DataFrame({"x": x.codes, "y": y.codes, "v": values[metric] * style.scale})
    grid = (
        cells.groupby(["y", "x"])["v"]
        .mean()
        .unstack()
        .reindex(index=range(len(y.labels)), columns=range(len(x.labels)))
        .to_numpy(dtype=float)
    )
    figure = new_figure(
        WIDE,
        title=f"{style.label} at {horizon_text(sweep, year, after)}, mean over runs: {sweep_title(sweep)}",
    )
    ax = figure.subplots()
    image = ax.imshow(
        np.ma.masked_invalid(grid), origin="lower", cmap=SEQUENTIAL_CMAP, aspect="auto"
    )
    colourbar = figure.colorbar(image, ax=ax)
    colourbar.set_label(style.axis_label, fontsize=FONT_SIZE)
    _annotate_cells(ax, grid, Normalize(*image.get_clim()))
    title = "Mean over seeds" + (" and the other factors" if len(sweep.factors) > 2 else "")
    if threshold is not None:
        scaled = threshold * style.scale
        _draw_threshold(ax, colourbar, grid, scaled)
        above = " (highly concentrated above)" if is_hhi(metric) else ""
        title += f"; contour at {scaled:,.4g}{above}"
    ax.set_xticks(range(len(x.labels)), x.labels)
    ax.set_yticks(range(len(y.labels)), y.labels)
    ax.set_xlabel(factor_label(x_factor), fontsize=FONT_SIZE)
    ax.set_ylabel(factor_label(y_factor), fontsize=FONT_SIZE)
    panel_title(ax, title)
    finish_axes(ax, grid=False)
    return figure


def _annotate_cells(ax: Axes, grid: np.ndarray, norm: Normalize) -> None:
    """Write each cell's value in it, white on the dark end of the colour map."""
    for (row, col), value in np.ndenumerate(grid):
        if np.isfinite(value):
            ink = "white" if norm(value) < 0.6 else INK
            text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
            ax.text(col, row, text, ha="center", va="center", fontsize=FONT_SIZE - 2, color=ink)


def _draw_threshold(ax: Axes, colourbar: Any, grid: np.ndarray, level: float) -> None:
    """The contour at ``level`` where the surface crosses it, and its mark on the colour bar."""
    finite = grid[np.isfinite(grid)]
    if not finite.size or not finite.min() < level < finite.max():
        return  # every cell is on one side: nothing to draw
    if min(grid.shape) > 1:
        contour = ax.contour(
            np.ma.masked_invalid(grid), levels=[level], colors=[HIGH_BAND_COLOUR], linewidths=2.5
        )
        ax.clabel(contour, fmt=lambda v: f"{v:,.0f}", fontsize=FONT_SIZE - 1)
    colourbar.ax.axhline(level, color=HIGH_BAND_COLOUR, linewidth=2.5)


# --------------------------------------------------------------------------------- sensitivity
def distribution_figure(
    sweep: SweepResults,
    metric: str | None = None,
    *,
    factor: str | None = None,
    year: float | None = None,
    after: float | None = None,
) -> Figure:
    """Distribution over runs of a metric at a year, one box and strip of runs per factor level.

    Args:
        sweep: A loaded sweep.
        metric: The metric (default ``cloud_hhi``).
        factor: The factor whose levels are compared (default: the first); other factors pooled.
        year: A calendar year; default: the horizon.
        after: Years from the start instead of ``year``.

    Returns:
        One panel: boxes (quartiles, whiskers to 1.5 IQR) and every run as a dot.
    """
    metric = check_metric(sweep, metric)
    factor = check_factor(sweep, factor)
    values = sweep.at(year, after=after)
    if values.empty:
        raise FigureError(
            f"{sweep.directory}: no finished run at {horizon_text(sweep, year, after)}"
        )
    style = metric_style(metric)
    levels = factor_levels(values[factor])
    data = values[metric].to_numpy(dtype=float) * style.scale
    figure = new_figure(
        WIDE,
        title=f"Distribution of {style.label} at {horizon_text(sweep, year, after)}: {sweep_title(sweep)}",
    )
    ax = figure.subplots()
    if is_hhi(metric):
        draw_hhi_bands(ax)
    groups = [data[(levels.codes == i) & np.isfinite(data)] for i in range(len(levels.labels))]
    _draw_boxes_and_runs(ax, groups)
    ax.set_xticks(range(len(groups)), levels.labels)
    ax.set_xlabel(
        factor_label(factor)
        + (" (pooled over the other factors)" if len(sweep.factors) > 1 else ""),
        fontsize=FONT_SIZE,
    )
    _value_axis(ax, metric)
    if is_hhi(metric):
        top = np.nanmax(data, initial=0.0)
        ax.set_ylim(0, min(10_000, max(2_500.0, 1.15 * top)))
    panel_title(
        ax,
        f"Runs at {horizon_text(sweep, year, after)}: box = quartiles, line = median, dots = runs",
    )
    finish_axes(ax)
    handles = [
        Line2D([], [], marker="o", linestyle="", color=SERIES_COLOURS[0], label="one run"),
        Line2D([], [], color=SERIES_COLOURS[1], linewidth=2.5, label="median"),
    ]
    if is_hhi(metric):
        handles += hhi_band_handles()
    legend_beside(
        ax,
        handles,
        title=HHI_LEGEND_TITLE if is_hhi(metric) else None,
        title_fontsize=FONT_SIZE - 2,
    )
    return figure


def _draw_boxes_and_runs(ax: Axes, groups: list[np.ndarray]) -> None:
    """A box per group (quartiles, median, whiskers to 1.5 IQR) and each run as a jittered dot."""
    ax.boxplot(
        groups,
        positions=range(len(groups)),
        widths=0.55,
        showfliers=False,  # every run is drawn as a dot anyway
        patch_artist=True,
        boxprops={"facecolor": "#FFFFFF", "edgecolor": INK},
        medianprops={"color": SERIES_COLOURS[1], "linewidth": 2.5},
        whiskerprops={"color": INK},
        capprops={"color": INK},
    )
    jitter = np.random.default_rng(0)  # fixed: the same picture every time
    for i, group in enumerate(groups):
        x = i + jitter.uniform(-0.18, 0.18, group.size)
        ax.scatter(x, group, s=18, color=SERIES_COLOURS[0], alpha=0.6, zorder=3)
