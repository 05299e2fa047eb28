"""Panels over time shared by the run figures: stacked shares, HHI with bands, lock-in, circularity.

Each function draws on one :class:`matplotlib.axes.Axes` and leaves the figure to its caller, so the
summary figure (:mod:`computemarket.results.plots`) and the run figures
(:mod:`computemarket.results.figures_run`) draw the same panel the same way.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from computemarket.results.series import ShareStack, time_axis
from computemarket.results.style import (
    FONT_SIZE,
    HHI_LEGEND_TITLE,
    HHI_MAX,
    THOUSANDS,
    draw_hhi_bands,
    hhi_band_handles,
    legend_beside,
    metric_colour,
    panel_title,
)

HHI_SERIES = {
    "cloud_hhi": "AI compute revenue",
    "capacity_hhi": "AI capacity (GW)",
    "model_hhi": "AI model market",
}
ALL_HHI_SERIES = {**HHI_SERIES, "cloud_market_hhi": "whole cloud market\n(AI + non-AI)"}
LOCK_IN_SERIES = {
    "locked_share": "locked-in spend\n(committed or exclusive)",
    "max_provider_share": "largest-provider share\n(spend-weighted)",
    "switching_rate": "switching rate\n(compute moved per year)",
}
ALL_LOCK_IN_SERIES = {
    "locked_share": LOCK_IN_SERIES["locked_share"],
    "contracted_share": "reserved contracts",
    "max_provider_share": LOCK_IN_SERIES["max_provider_share"],
    "switching_rate": LOCK_IN_SERIES["switching_rate"],
}
CIRCULARITY_SERIES = {
    "roundtrip_ratio": "round-trip ratio\n(own money back /\ninvestment, cumulative)",
    "circular_revenue_share": "round-tripped share\nof AI compute revenue",
}


def draw_share_stack(
    ax: Axes, stack: ShareStack, metrics: pd.DataFrame, *, title: str, ylabel: str
) -> None:
    """Stack firms' shares (in %) over time, legend beside, top to bottom like the stack.

    Args:
        ax: The panel.
        stack: Shares, colours and hatches (see :mod:`computemarket.results.series`).
        metrics: The run's metrics table (for the time axis).
        title: Panel title.
        ylabel: Y-axis label, with its unit.
    """
    shares = stack.shares
    if not shares.empty:
        x = time_axis(metrics).reindex(shares.index).to_numpy()
        areas = ax.stackplot(
            x,
            shares.to_numpy().T * 100,
            labels=list(shares.columns),
            colors=stack.colours,
            alpha=0.9,
        )
        for area, hatch in zip(areas, stack.hatches, strict=True):
            if hatch:
                area.set_hatch(hatch)
                area.set_edgecolor("white")
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(PercentFormatter())
    panel_title(ax, title)
    ax.set_ylabel(ylabel, fontsize=FONT_SIZE)
    handles, _labels = ax.get_legend_handles_labels()
    legend_beside(ax, handles[::-1])


def draw_lines(
    ax: Axes, metrics: pd.DataFrame, series: dict[str, str], *, scale: float = 1.0
) -> list[str]:
    """Draw one line per column of ``series`` that the table holds; return the columns drawn.

    Each metric has its own colour in every figure (:data:`~.style.METRIC_COLOURS`).
    """
    when = time_axis(metrics).to_numpy()
    drawn = []
    for position, (column, label) in enumerate(series.items()):
        if column in metrics:
            values = metrics[column].to_numpy(dtype=float) * scale
            colour = metric_colour(column, position)
            ax.plot(when, values, color=colour, linewidth=2.2, label=label)
            drawn.append(column)
    return drawn


def _peak(metrics: pd.DataFrame, columns: list[str], scale: float = 1.0) -> float:
    values = [metrics[c].max() * scale for c in columns if metrics[c].notna().any()]
    return float(max(values, default=0.0))


def draw_concentration(
    ax: Axes, metrics: pd.DataFrame, *, title: str, series: dict[str, str] = HHI_SERIES
) -> None:
    """HHI lines over the moderately and highly concentrated bands of the 2023 Merger Guidelines."""
    draw_hhi_bands(ax)
    drawn = draw_lines(ax, metrics, series)
    ax.set_ylim(0, min(HHI_MAX, max(2_500.0, 1.4 * _peak(metrics, drawn))))
    ax.yaxis.set_major_formatter(THOUSANDS)
    panel_title(ax, title)
    ax.set_ylabel("HHI (0-10,000)", fontsize=FONT_SIZE)
    handles, _labels = ax.get_legend_handles_labels()
    legend_beside(
        ax, handles + hhi_band_handles(), title=HHI_LEGEND_TITLE, title_fontsize=FONT_SIZE - 2
    )


def draw_lock_in(
    ax: Axes, metrics: pd.DataFrame, *, title: str, series: dict[str, str] = LOCK_IN_SERIES
) -> None:
    """Lock-in shares in % of lab compute."""
    drawn = draw_lines(ax, metrics, series, scale=100)
    # The switching rate is annualised (4 x the quarterly share moved), so it can pass 100%.
    ax.set_ylim(0, max(100.0, 1.1 * _peak(metrics, drawn, 100)))
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_ylabel("% of lab compute", fontsize=FONT_SIZE)
    panel_title(ax, title)
    legend_beside(ax, ax.get_legend_handles_labels()[0])


def draw_circularity(ax: Axes, metrics: pd.DataFrame, *, title: str) -> None:
    """The round-trip ratio and the round-tripped share of revenue, in %."""
    drawn = draw_lines(ax, metrics, CIRCULARITY_SERIES, scale=100)
    ax.set_ylim(0, max(10.0, 1.4 * _peak(metrics, drawn, 100)))  # headroom for the legend
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_ylabel("% of investment / of AI revenue", fontsize=FONT_SIZE)
    panel_title(ax, title)
    legend_beside(ax, ax.get_legend_handles_labels()[0])
