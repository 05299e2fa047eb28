"""The summary figure of one run: shares, concentration, lock-in and circularity over time.

Figures are built on :class:`matplotlib.figure.Figure` directly, never through ``pyplot``, so that
plotting holds no global state and works in worker processes and web apps alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

# Okabe & Ito (2008), the colour-blind-safe palette; black is left out because a black band
# dominates a stacked area. Firms take colours in the order they are listed (agent id), so a firm
# keeps its colour from run to run of the same scenario.
FIRM_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442")
OTHER_FIRMS_COLOUR = "#999999"
SERIES_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")

# US 2023 Merger Guidelines (DOJ/FTC, Guideline 1): above 1,800 a market is highly concentrated;
# 1,000-1,800 is the moderately concentrated band of the guidelines' restatement.
HHI_MODERATE = 1_000
HHI_HIGH = 1_800
HHI_MAX = 10_000

FONT_SIZE = 12
TITLE_SIZE = 14

HHI_SERIES = {
    "cloud_hhi": "AI compute revenue",
    "capacity_hhi": "AI capacity (GW)",
    "model_hhi": "AI model market",
}
LOCK_IN_SERIES = {
    "locked_share": "locked-in spend\n(committed or exclusive)",
    "max_provider_share": "largest-provider share\n(spend-weighted)",
    "switching_rate": "switching rate\n(compute moved per year)",
}
CIRCULARITY_SERIES = {
    "roundtrip_ratio": "round-trip ratio\n(own money back /\ninvestment, cumulative)",
    "circular_revenue_share": "round-tripped share\nof AI compute revenue",
}


def time_axis(metrics: pd.DataFrame) -> pd.Series:
    """Calendar time in years of each quarter of a metrics table, indexed by quarter.

    The ``year`` column may hold fractional years (one value per quarter) or the calendar year of
    each quarter (repeated four times); both give a strictly increasing axis here.

    Args:
        metrics: Table with a ``quarter`` column and, optionally, a ``year`` column.

    Returns:
        Time in years (calendar years if ``year`` is present, else years from the start).
    """
    quarter = metrics["quarter"].to_numpy(dtype=float)
    if "year" in metrics:
        year = metrics["year"].to_numpy(dtype=float)
        if len(year) < 2 or np.all(np.diff(year) > 0):
            return pd.Series(year, index=metrics["quarter"].to_numpy())
        start = year[0]
    else:
        start = 0.0
    return pd.Series(start + (quarter - quarter[0]) / 4.0, index=metrics["quarter"].to_numpy())


def hyperscaler_shares(agents: pd.DataFrame, max_firms: int = len(FIRM_COLOURS)) -> pd.DataFrame:
    """AI compute revenue share of each hyperscaler, one column per firm, one row per quarter.

    Firms beyond ``max_firms`` (in agent-id order) are summed into one ``"other clouds"`` column so
    that every named firm keeps a distinct colour. Quarters where a firm does not exist count as 0.

    Args:
        agents: Agents table with ``quarter``, ``agent_id``, ``name``, ``kind`` and ``share``.
        max_firms: Number of firms shown by name.

    Returns:
        Shares in [0, 1], indexed by quarter, columns in agent-id order.
    """
    clouds = agents.loc[agents["kind"] == "hyperscaler", ["quarter", "agent_id", "name", "share"]]
    order = clouds.drop_duplicates("agent_id").sort_values("agent_id")
    names = dict(zip(order["agent_id"], order["name"].astype(str), strict=True))
    shares = clouds.pivot_table(index="quarter", columns="agent_id", values="share", aggfunc="sum")
    shares = shares.reindex(columns=list(names)).fillna(0.0)
    shares.columns = [names[agent_id] for agent_id in shares.columns]
    if shares.shape[1] > max_firms:
        named, rest = shares.iloc[:, :max_firms], shares.iloc[:, max_firms:]
        shares = named.assign(**{"other clouds": rest.sum(axis=1)})
    return shares


def _plot_shares(ax: Axes, metrics: pd.DataFrame, agents: pd.DataFrame) -> None:
    shares = hyperscaler_shares(agents)
    when = time_axis(metrics)
    colours = [
        OTHER_FIRMS_COLOUR if firm == "other clouds" else FIRM_COLOURS[i]
        for i, firm in enumerate(shares.columns)
    ]
    if not shares.empty:
        x = when.reindex(shares.index).to_numpy()
        ax.stackplot(
            x, shares.to_numpy().T * 100, labels=list(shares.columns), colors=colours, alpha=0.9
        )
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(PercentFormatter())
    ax.set_title("(a) Shares of AI compute revenue", fontsize=TITLE_SIZE, loc="left")
    ax.set_ylabel("share of AI compute revenue (%)", fontsize=FONT_SIZE)
    # Reversed so that the legend reads top to bottom like the stack.
    handles, _labels = ax.get_legend_handles_labels()
    _legend(ax, handles[::-1])


def _legend(ax: Axes, handles: list, **options: object) -> None:
    """Add a legend of ``handles`` beside the panel, unless there is nothing to name.

    Beside, not inside: a stack fills its panel and lines of a long run cross everywhere, so any
    place inside would hide data. Matplotlib warns on an empty legend, hence the check.
    """
    if handles:
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            fontsize=FONT_SIZE - 2,
            framealpha=0.9,
            **options,
        )


def _plot_lines(
    ax: Axes, metrics: pd.DataFrame, series: dict[str, str], *, scale: float = 1.0
) -> list[str]:
    """Draw one line per column of ``series`` that the table holds; return the columns drawn."""
    when = time_axis(metrics).to_numpy()
    drawn = []
    for colour, (column, label) in zip(SERIES_COLOURS, series.items(), strict=False):
        if column in metrics:
            values = metrics[column].to_numpy(dtype=float) * scale
            ax.plot(when, values, color=colour, linewidth=2.2, label=label)
            drawn.append(column)
    return drawn


def _plot_concentration(ax: Axes, metrics: pd.DataFrame) -> None:
    ax.axhspan(HHI_MODERATE, HHI_HIGH, color="#F0E442", alpha=0.18, linewidth=0)
    ax.axhspan(HHI_HIGH, HHI_MAX, color="#D55E00", alpha=0.10, linewidth=0)
    for level in (HHI_MODERATE, HHI_HIGH):
        ax.axhline(level, color="#555555", linestyle="--", linewidth=1)
    drawn = _plot_lines(ax, metrics, HHI_SERIES)
    peak = max([metrics[c].max() for c in drawn if metrics[c].notna().any()], default=0.0)
    ax.set_ylim(0, min(HHI_MAX, max(2_500.0, 1.4 * float(peak))))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))
    ax.set_title("(b) Concentration (HHI)", fontsize=TITLE_SIZE, loc="left")
    ax.set_ylabel("HHI (0-10,000)", fontsize=FONT_SIZE)
    handles, _labels = ax.get_legend_handles_labels()
    handles += [
        Patch(color="#D55E00", alpha=0.25, label="highly concentrated\n(> 1,800)"),
        Patch(color="#F0E442", alpha=0.4, label="moderately concentrated\n(1,000-1,800)"),
    ]
    _legend(
        ax,
        handles,
        title="bands: US 2023\nMerger Guidelines",
        title_fontsize=FONT_SIZE - 2,
    )


def _plot_lock_in(ax: Axes, metrics: pd.DataFrame) -> None:
    drawn = _plot_lines(ax, metrics, LOCK_IN_SERIES, scale=100)
    peak = max([metrics[c].max() * 100 for c in drawn if metrics[c].notna().any()], default=0.0)
    # The switching rate is annualised (4 x the quarterly share moved), so it can pass 100%.
    ax.set_ylim(0, max(100.0, 1.1 * float(peak)))
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_ylabel("% of lab compute", fontsize=FONT_SIZE)
    ax.set_title("(c) Lock-in", fontsize=TITLE_SIZE, loc="left")
    _legend(ax, ax.get_legend_handles_labels()[0])


def _plot_circularity(ax: Axes, metrics: pd.DataFrame) -> None:
    drawn = _plot_lines(ax, metrics, CIRCULARITY_SERIES, scale=100)
    peak = max([metrics[c].max() * 100 for c in drawn if metrics[c].notna().any()], default=0.0)
    ax.set_ylim(0, max(10.0, 1.4 * float(peak)))  # headroom for the legend
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_ylabel("% of investment / of AI revenue", fontsize=FONT_SIZE)
    ax.set_title("(d) Circularity: investors' money coming back", fontsize=TITLE_SIZE, loc="left")
    _legend(ax, ax.get_legend_handles_labels()[0])


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
    figure = Figure(figsize=(14, 8), layout="constrained")
    panels: Sequence[Axes] = figure.subplots(2, 2, sharex=True).ravel()
    _plot_shares(panels[0], metrics, agents)
    _plot_concentration(panels[1], metrics)
    _plot_lock_in(panels[2], metrics)
    _plot_circularity(panels[3], metrics)
    year_label = "year" if "year" in metrics else "years from start"
    for ax in panels:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        ax.tick_params(labelsize=FONT_SIZE - 1)
        ax.grid(True, color="#DDDDDD", linewidth=0.6)
        ax.set_axisbelow(True)
    for ax in panels[2:]:
        ax.set_xlabel(year_label, fontsize=FONT_SIZE)
    if len(metrics):
        when = time_axis(metrics)
        panels[0].set_xlim(when.iloc[0], max(when.iloc[-1], when.iloc[0] + 0.25))
    if title:
        figure.suptitle(title, fontsize=TITLE_SIZE + 2)
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
