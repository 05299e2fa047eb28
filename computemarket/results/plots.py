"""The summary figure of one run: shares, concentration, lock-in and circularity over time.

Figures are built on :class:`matplotlib.figure.Figure` directly, never through ``pyplot``, so that
plotting holds no global state and works in worker processes and web apps alike. The palette, the
HHI thresholds and the panels are shared with every other figure (:mod:`.style`, :mod:`.panels`);
their names are importable from here as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from computemarket.results.panels import (
    CIRCULARITY_SERIES,
    HHI_SERIES,
    LOCK_IN_SERIES,
    draw_circularity,
    draw_concentration,
    draw_lock_in,
    draw_share_stack,
)
from computemarket.results.series import cloud_share_stack, hyperscaler_shares, time_axis
from computemarket.results.style import (
    FIRM_COLOURS,
    FONT_SIZE,
    HHI_MAX,
    OTHER_FIRMS_COLOUR,
    SERIES_COLOURS,
    TITLE_SIZE,
    finish_axes,
    new_figure,
)

__all__ = [
    "CIRCULARITY_SERIES",
    "FIRM_COLOURS",
    "FONT_SIZE",
    "HHI_MAX",
    "HHI_SERIES",
    "LOCK_IN_SERIES",
    "OTHER_FIRMS_COLOUR",
    "SERIES_COLOURS",
    "TITLE_SIZE",
    "format_time_axes",
    "hyperscaler_shares",
    "save_summary",
    "summary_figure",
    "time_axis",
]


def format_time_axes(panels: Sequence[Axes], metrics: pd.DataFrame) -> None:
    """Give panels that share a time axis the house style, year ticks and the run's span."""
    year_label = "year" if "year" in metrics else "years from start"
    for ax in panels:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        finish_axes(ax)
        ax.set_xlabel(year_label, fontsize=FONT_SIZE)
    for ax in panels:
        ax.ticklabel_format(axis="x", useOffset=False)  # 2026, not 0.25 + 2.026e3
    if len(metrics):
        # The axis follows the quarters played, a year at least (its ticks are whole years).
        when = time_axis(metrics)
        panels[0].set_xlim(when.iloc[0], max(when.iloc[-1], when.iloc[0] + 1.0))


def summary_figure(
    metrics: pd.DataFrame, agents: pd.DataFrame, *, title: str | None = None
) -> Figure:
    """Four panels of one run: cloud shares, HHI with merger-guideline bands, lock-in, circularity.

    Columns missing from ``metrics`` are left out of their panel rather than failing, so the figure
    can be drawn from partial tables (e.g. an older store).

    Args:
        metrics: Metrics table, one row per quarter (``quarter``, ``year``, ``cloud_hhi``, ...).
        agents: Agents table, one row per agent per quarter (``quarter``, ``agent_id``, ``name``,
            ``kind``, ``share``).
        title: Figure title, e.g. the scenario, rules and seed.

    Returns:
        A 14 x 8 inch figure (16:9-ish), readable on a slide.
    """
    figure = new_figure(title=title)
    panels: Sequence[Axes] = figure.subplots(2, 2, sharex=True).ravel()
    draw_share_stack(
        panels[0],
        cloud_share_stack(agents),
        metrics,
        title="(a) Shares of AI compute revenue",
        ylabel="share of AI compute revenue (%)",
    )
    draw_concentration(panels[1], metrics, title="(b) Concentration (HHI)")
    draw_lock_in(panels[2], metrics, title="(c) Lock-in")
    draw_circularity(panels[3], metrics, title="(d) Circularity: investors' money coming back")
    format_time_axes(panels, metrics)
    for ax in panels[:2]:
        ax.set_xlabel("")
    return figure


def save_summary(
    metrics: pd.DataFrame,
    agents: pd.DataFrame,
    path: str | Path,
    *,
    title: str | None = None,
    dpi: int = 150,
) -> Path:
    """Draw :func:`summary_figure` and save it (format from the file suffix, e.g. ``.png``).

    Args:
        metrics: Metrics table, one row per quarter.
        agents: Agents table, one row per agent per quarter.
        path: Where to write the image.
        title: Figure title.
        dpi: Resolution; 150 gives 2100 x 1200 pixels for the PNG.

    Returns:
        The path written.
    """
    path = Path(path)
    summary_figure(metrics, agents, title=title).savefig(path, dpi=dpi)
    return path
