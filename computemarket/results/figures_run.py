"""Figures of one run over time: market shares, concentration, lock-in and circularity.

Each function takes a run read back by :func:`computemarket.store.runs.read_run` and returns a
:class:`matplotlib.figure.Figure` of slide size. The money-flow diagram and the deal network are in
:mod:`.money_flow` and :mod:`.deal_network`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from computemarket.results.panels import (
    ALL_HHI_SERIES,
    ALL_LOCK_IN_SERIES,
    draw_circularity,
    draw_concentration,
    draw_lock_in,
    draw_share_stack,
)
from computemarket.results.plots import format_time_axes
from computemarket.results.series import cloud_share_stack, model_share_stack, time_axis
from computemarket.results.style import (
    FONT_SIZE,
    OTHER_FIRMS_COLOUR,
    firm_colours,
    legend_beside,
    new_figure,
    panel_title,
    run_title,
)
from computemarket.store.runs import StoredRun


def shares_figure(run: StoredRun) -> Figure:
    """Market shares stacked over time: the cloud market (AI compute) and the AI model market.

    In the model market, labs of one owner count as one firm (as in the model-market HHI) and are
    drawn hatched in the owner's colour, so an owner looks the same in both panels.

    Args:
        run: A stored run.

    Returns:
        Two panels, one above the other, sharing the time axis.
    """
    figure = new_figure(title=f"Market shares: {run_title(run.manifest)}")
    top, bottom = figure.subplots(2, 1, sharex=True)
    draw_share_stack(
        top,
        cloud_share_stack(run.agents),
        run.metrics,
        title="(a) Cloud market: shares of AI compute revenue",
        ylabel="share of AI compute\nrevenue (%)",
    )
    draw_share_stack(
        bottom,
        model_share_stack(run.agents),
        run.metrics,
        title="(b) AI model market: shares of labs' end-user revenue (owners' labs combined)",
        ylabel="share of labs'\nend-user revenue (%)",
    )
    format_time_axes([top, bottom], run.metrics)
    top.set_xlabel("")
    return figure


def concentration_figure(run: StoredRun) -> Figure:
    """HHI of every market over time against the 2023 Merger Guidelines' 1,000 and 1,800 bands.

    Args:
        run: A stored run.

    Returns:
        One panel: AI compute revenue, AI capacity, the whole cloud market and the model market.
    """
    figure = new_figure(title=f"Concentration: {run_title(run.manifest)}")
    ax = figure.subplots()
    draw_concentration(
        ax,
        run.metrics,
        title="Herfindahl-Hirschman index of each market",
        series=ALL_HHI_SERIES,
    )
    format_time_axes([ax], run.metrics)
    return figure


def lock_in_figure(run: StoredRun) -> Figure:
    """Lock-in and circularity over time, market-wide and per investing hyperscaler.

    Args:
        run: A stored run.

    Returns:
        Three panels: (a) lock-in of independent labs' spend, (b) market-wide circularity, (c) each
        hyperscaler's round-trip ratio (its own money back over its investment, cumulative).
    """
    figure = new_figure(title=f"Lock-in and circularity: {run_title(run.manifest)}")
    panels = figure.subplots(3, 1, sharex=True)
    draw_lock_in(panels[0], run.metrics, title="(a) Lock-in", series=ALL_LOCK_IN_SERIES)
    draw_circularity(panels[1], run.metrics, title="(b) Circularity, whole market")
    _draw_investor_circularity(panels[2], run)
    format_time_axes(panels, run.metrics)
    for ax in panels[:2]:
        ax.set_xlabel("")
    return figure


def _draw_investor_circularity(ax: Any, run: StoredRun) -> None:
    agents, colours = run.agents, firm_colours(run.agents)
    clouds = agents[agents["kind"] == "hyperscaler"]
    when = time_axis(run.metrics)
    peak = 0.0
    for name, colour in colours.items():
        rows = clouds[clouds["name"].astype(str) == name].sort_values("quarter")
        if rows.empty or not (rows["invested"].fillna(0) > 0).any():
            continue  # never invested: no ratio to show
        ratio = rows["roundtrip_ratio"].to_numpy(dtype=float) * 100
        style = "--" if colour == OTHER_FIRMS_COLOUR else "-"
        x = when.reindex(rows["quarter"].to_numpy()).to_numpy()
        ax.plot(x, ratio, color=colour, linewidth=2.0, linestyle=style, label=name)
        peak = max(peak, float(np.nanmax(ratio, initial=0.0)))
    ax.set_ylim(0, max(10.0, 1.15 * peak))
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_ylabel("% of own investment\nback as revenue", fontsize=FONT_SIZE)
    panel_title(ax, "(c) Round-trip ratio by investor (cumulative)")
    legend_beside(ax, ax.get_legend_handles_labels()[0])
    if not ax.get_lines():
        ax.text(0.5, 0.5, "no hyperscaler invested in a lab", ha="center", transform=ax.transAxes)
