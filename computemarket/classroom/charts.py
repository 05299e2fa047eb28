"""The app's live charts: matplotlib figures of a running :class:`ComputeMarket`.

Each function reads the model's public state (its metrics, tables, ledger and agent arrays) and
returns a new :class:`~matplotlib.figure.Figure`; none uses ``pyplot``, so figures of different
sessions can be drawn at once. A firm has the same colour in every chart and in the summary figure
of :mod:`computemarket.results.plots`: the colour of its position in the model's list of clouds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path
from matplotlib.patheffects import withStroke
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from computemarket.results.plots import (
    FIRM_COLOURS,
    HHI_MAX,
    OTHER_FIRMS_COLOUR,
    SERIES_COLOURS,
    hyperscaler_shares,
    time_axis,
)
from computemarket.simulation.metrics import HHI_HIGH, HHI_MODERATE
from computemarket.simulation.model import ComputeMarket

WIDE = (10.0, 3.6)
"""Size in inches of a chart that spans the page."""
HALF = (6.4, 3.6)
"""Size in inches of a chart that fills half the page."""
DPI = 90
LAYOUT = "constrained"
MAX_NAMED_LABS = 10
"""Labs shown by name in the model-market bars; the rest are summed as ``other labs``."""
END_USERS_COLOUR = "#56B4E9"
NEUTRAL_COLOUR = "#BBBBBB"
HATCH = "////"

CONCENTRATION_SERIES = {"cloud_hhi": "clouds (AI compute revenue)", "model_hhi": "AI models"}
LOCK_IN_SERIES = {
    "locked_share": "locked-in spend",
    "max_provider_share": "largest-provider share",
    "switching_rate": "switching rate (per year)",
}
CIRCULARITY_SERIES = {
    "roundtrip_ratio": "round-trip ratio",
    "circular_revenue_share": "round-tripped share\nof AI revenue",
}


@dataclass(frozen=True)
class PreviousRun:
    """A run kept for comparison after the market restarts, drawn as dashed lines.

    Attributes:
        label: What the run was, e.g. ``"classroom, laissez-faire, seed 1"``.
        metrics: Its metrics table, one row per quarter.
    """

    label: str
    metrics: pd.DataFrame


def cloud_colour(index: int) -> str:
    """Colour of the cloud at this position of ``model.hyperscaler_list``."""
    return FIRM_COLOURS[index] if 0 <= index < len(FIRM_COLOURS) else OTHER_FIRMS_COLOUR


def horizon(model: ComputeMarket) -> tuple[float, float]:
    """First and last calendar time of the run, so that the time axis stays still while it plays."""
    m = model.params.market
    start = m.start_year + (m.start_quarter - 1) / 4
    return start, start + model.years


def metrics_table(model: ComputeMarket) -> pd.DataFrame:
    """The model's metrics so far, one row per quarter (as Mesa's DataCollector holds them)."""
    return model.datacollector.get_model_vars_dataframe()


def _new_figure(size: tuple[float, float], columns: int = 1, **options: object) -> tuple:
    figure = Figure(figsize=size, dpi=DPI, layout=LAYOUT)
    axes = figure.subplots(1, columns, **options)
    return figure, axes


def _time_lines(
    ax: Axes,
    metrics: pd.DataFrame,
    series: dict[str, str],
    previous: PreviousRun | None,
    scale: float = 1.0,
) -> float:
    """One line per series (dashed for the previous run); return the largest value drawn."""
    peak = 0.0
    runs = [(metrics, "-", None)]
    if previous is not None and len(previous.metrics) > 1:
        runs.append((previous.metrics, "--", "_"))
    for table, style, hidden in runs:
        when = time_axis(table).to_numpy()
        for colour, (column, label) in zip(SERIES_COLOURS, series.items(), strict=False):
            values = table[column].to_numpy(dtype=float) * scale
            ax.plot(when, values, style, color=colour, linewidth=2, label=hidden or label)
            if values.size:
                peak = max(peak, float(np.nanmax(values)))
    return peak


def _finish_time_axis(ax: Axes, span: tuple[float, float]) -> None:
    ax.set_xlim(*span)
    ax.grid(True, color="#DDDDDD", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))


def _previous_note(figure: Figure, previous: PreviousRun | None) -> None:
    if previous is not None and len(previous.metrics) > 1:
        figure.supxlabel(f"dashed: previous run ({previous.label})", fontsize=8, color="#555555")


# --------------------------------------------------------------------------------- market shares
def shares_figure(model: ComputeMarket) -> Figure:
    """Market shares: the clouds' shares of AI compute revenue over time, the labs' shares now.

    Args:
        model: The running model.

    Returns:
        A figure of two panels.
    """
    figure, (clouds, labs) = _new_figure(HALF, 2, width_ratios=[3, 2])
    tables = model.tables()
    shares = hyperscaler_shares(tables["agents"])
    when = time_axis(tables["metrics"])
    colours = [
        OTHER_FIRMS_COLOUR if name == "other clouds" else cloud_colour(i)
        for i, name in enumerate(shares.columns)
    ]
    x = when.reindex(shares.index).to_numpy()
    clouds.stackplot(x, shares.to_numpy().T * 100, labels=list(shares.columns), colors=colours)
    clouds.set_ylim(0, 100)
    clouds.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    clouds.set_title("Clouds: shares of AI compute revenue", fontsize=10, loc="left")
    _finish_time_axis(clouds, horizon(model))
    handles, _ = clouds.get_legend_handles_labels()
    clouds.legend(handles=handles[::-1], fontsize=7, loc="lower left", framealpha=0.8)
    _lab_bars(labs, model)
    return figure


def _lab_bars(ax: Axes, model: ComputeMarket) -> None:
    """Each active lab's share of end-user AI spending now, coloured by its main cloud."""
    labs = model.labs
    rows = np.flatnonzero(labs.alive)
    rows = rows[np.argsort(-labs.share[rows], kind="stable")]
    named, rest = rows[:MAX_NAMED_LABS], rows[MAX_NAMED_LABS:]
    names = [model.lab_list[row].name for row in named]
    values = [float(labs.share[row]) for row in named]
    colours = []
    for row in named:
        served = labs.allocation[row]
        main = int(served.argmax()) if served.sum() > 0 else int(labs.owner[row])
        colours.append(cloud_colour(main) if main >= 0 else NEUTRAL_COLOUR)
    hatches = [HATCH if labs.owner[row] >= 0 else "" for row in named]
    if rest.size:
        names.append(f"{rest.size} other labs")
        values.append(float(labs.share[rest].sum()))
        colours.append(NEUTRAL_COLOUR)
        hatches.append("")
    names.append("outside option")
    values.append(float(model.outside_share))
    colours.append("#EEEEEE")
    hatches.append("")
    y = np.arange(len(names))
    bars = ax.barh(y, np.array(values) * 100, color=colours, edgecolor="#333333", linewidth=0.5)
    for bar, hatch in zip(bars, hatches, strict=True):
        bar.set_hatch(hatch)
    ax.set_yticks(y, names, fontsize=7)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_xlim(0, max(10.0, 110 * max(values, default=0.0)))
    ax.set_title("AI models now", fontsize=10, loc="left")
    ax.set_xlabel("share of users' spend\n(colour: main cloud;\nhatched: owned by it)", fontsize=7)
    ax.tick_params(axis="x", labelsize=7)


# ---------------------------------------------------------------------------------- concentration
def concentration_figure(model: ComputeMarket, previous: PreviousRun | None = None) -> Figure:
    """HHI of the clouds and of the AI model market, over the US 2023 Merger Guidelines bands.

    Args:
        model: The running model.
        previous: A run to draw dashed for comparison.

    Returns:
        A figure of one panel.
    """
    figure, ax = _new_figure(HALF)
    ax.axhspan(HHI_MODERATE, HHI_HIGH, color="#F0E442", alpha=0.25, linewidth=0)
    ax.axhspan(HHI_HIGH, HHI_MAX, color="#D55E00", alpha=0.12, linewidth=0)
    peak = _time_lines(ax, metrics_table(model), CONCENTRATION_SERIES, previous)
    top = min(HHI_MAX, max(4_000.0, 1.15 * peak))
    ax.set_ylim(0, top)
    start, _end = span = horizon(model)
    for low, text in (
        (0, "unconcentrated"),
        (HHI_MODERATE, "moderately concentrated"),
        (HHI_HIGH, "highly concentrated (above 1,800)"),
    ):
        ax.text(start + 0.2, low + 0.02 * top, text, fontsize=7, color="#555555", va="bottom")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))
    ax.set_ylabel("HHI (0-10,000)")
    ax.set_title("Concentration (HHI), bands of the US 2023 Merger Guidelines", fontsize=10)
    ax.legend(fontsize=8, loc="upper right", framealpha=0.8)
    _finish_time_axis(ax, span)
    _previous_note(figure, previous)
    return figure


# ------------------------------------------------------------------------- lock-in, circularity
def lock_in_figure(model: ComputeMarket, previous: PreviousRun | None = None) -> Figure:
    """Lock-in (locked-in spend, largest-provider share, switching) and circularity (round trips).

    Args:
        model: The running model.
        previous: A run to draw dashed for comparison.

    Returns:
        A figure of two panels.
    """
    figure, (lock_in, circular) = _new_figure(HALF, 2, sharex=True)
    metrics = metrics_table(model)
    for ax, series, title in (
        (lock_in, LOCK_IN_SERIES, "Lock-in (% of labs' compute)"),
        (circular, CIRCULARITY_SERIES, "Circularity: money coming back"),
    ):
        peak = _time_lines(ax, metrics, series, previous, scale=100)
        # The switching rate is annual, so it can pass 100%.
        ax.set_ylim(0, max(105.0, 1.05 * peak))
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        ax.set_title(title, fontsize=10, loc="left")
        ax.legend(fontsize=7, loc="best", framealpha=0.8)
        _finish_time_axis(ax, horizon(model))
    _previous_note(figure, previous)
    return figure


# ---------------------------------------------------------------------------------- deal network
def network_figure(model: ComputeMarket) -> Figure:
    """Who holds a stake in whom now: clouds on the left, active labs on the right.

    A line joins a cloud to each lab it has invested in: solid while the lab still owes it committed
    compute, dashed once only the stake is left, outlined in black while the deal is exclusive, and
    thick when the cloud owns the lab. A lab's dot has the colour of its main cloud and a size in
    proportion to its market share.

    Args:
        model: The running model.

    Returns:
        A figure of one panel.
    """
    figure, ax = _new_figure(HALF)
    labs, providers, quarter = model.labs, model.providers, model.quarter
    clouds = np.flatnonzero(providers.alive)
    rows = np.flatnonzero(labs.alive)
    rows = rows[np.argsort(-labs.share[rows], kind="stable")]
    # Clouds fill the upper part of their column: the legend goes below them.
    cloud_y = dict(zip(clouds, np.linspace(0.95, 0.4, clouds.size + 2)[1:-1], strict=True))
    lab_y = dict(zip(rows, np.linspace(1, 0, rows.size + 2)[1:-1], strict=True))
    for row in rows:
        for h in clouds:
            owned = labs.owner[row] == h
            stake = float(labs.stake[row, h])
            if not (owned or stake > 0):
                continue
            tied = labs.commit_remaining[row, h] > 0
            width = 5.0 if owned else 0.8 + 5.0 * stake
            line = ax.plot(
                [0.0, 1.0],
                [cloud_y[h], lab_y[row]],
                color=cloud_colour(int(h)),
                linewidth=width,
                linestyle="-" if (owned or tied) else (0, (3, 2)),
                alpha=0.9 if (owned or tied) else 0.6,
                solid_capstyle="butt",
                zorder=1,
            )[0]
            if labs.exclusive_end[row, h] > quarter:
                line.set_path_effects([withStroke(linewidth=width + 1.5, foreground="black")])
    revenue = providers.ai_revenue * providers.alive
    cloud_share = revenue / revenue.sum() if revenue.sum() > 0 else np.zeros_like(revenue)
    for h in clouds:
        size = 150 + 1500 * float(cloud_share[h])
        ax.scatter(0, cloud_y[h], s=size, marker="s", color=cloud_colour(int(h)), zorder=2)
        ax.text(-0.08, cloud_y[h], model.hyperscaler_list[h].name, ha="right", va="center")
    largest = max(float(labs.share[rows].max()), 1e-9) if rows.size else 1.0
    for row in rows:
        served = labs.allocation[row]
        main = int(served.argmax()) if served.sum() > 0 else int(labs.owner[row])
        colour = cloud_colour(main) if main >= 0 else NEUTRAL_COLOUR
        size = (20 + 350 * float(labs.share[row]) / largest) * min(1.0, 12 / rows.size)
        ax.scatter(1, lab_y[row], s=size, color=colour, edgecolor="#333333", zorder=2)
        label = f"{model.lab_list[row].name} {100 * labs.share[row]:.0f}%"
        ax.text(1.06, lab_y[row], label, va="center", fontsize=7 if rows.size > 12 else 8)
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylim(-0.02, 1.02)
    ax.axis("off")
    ax.set_title("Deal network now: which cloud holds a stake in which lab", fontsize=10)
    ax.legend(
        handles=[
            Line2D([], [], color="#555555", linewidth=3, label="stake + compute commitment"),
            Line2D([], [], color="#555555", linewidth=3, linestyle=(0, (3, 2)), label="stake"),
            Line2D(
                [],
                [],
                color="#555555",
                linewidth=3,
                path_effects=[withStroke(linewidth=4.5, foreground="black")],
                label="exclusive",
            ),
            Line2D([], [], color="#555555", linewidth=5, label="owned"),
        ],
        fontsize=7,
        loc="lower left",
        framealpha=0.8,
    )
    return figure


# ----------------------------------------------------------------------------------- money flows
def last_year_flows(model: ComputeMarket) -> pd.DataFrame:
    """Money into and out of the AI labs over the last four quarters, by counterparty.

    Args:
        model: The running model.

    Returns:
        Columns ``side`` (``"in"`` to the labs or ``"out"`` of them), ``party`` (a cloud's name,
        ``"end users"``, ``"independent investors"``, ``"running costs"``, ``"switching costs"``
        or ``"other"``), ``cloud`` (the cloud's position, -1 for other parties), ``circular``
        (a payment made with the receiving cloud's own tied investment) and ``amount`` ($B).
        Transfers between labs and the opening balances are left out.
    """
    accounts = model.ledger.cash.size
    ledger = model.ledger.to_frame([str(account) for account in range(accounts)])
    ledger = ledger[(ledger["quarter"] > model.quarter - 4) & (ledger["quarter"] >= 1)]
    lab_accounts = {str(account) for account in model.labs.account}
    cloud_of = {str(account): i for i, account in enumerate(model.providers.account)}
    cloud_names = [cloud.name for cloud in model.hyperscaler_list]
    payer_lab = ledger["payer"].isin(lab_accounts)
    payee_lab = ledger["payee"].isin(lab_accounts)
    world_source = {
        "end_user_revenue": "end users",
        "independent_investment": "independent investors",
        "seed_capital": "independent investors",
    }
    world_use = {"lab_opex": "running costs", "switching_cost": "switching costs"}
    rows = []
    for side, part, counterparty, names in (
        ("in", ledger[payee_lab & ~payer_lab], "payer", world_source),
        ("out", ledger[payer_lab & ~payee_lab], "payee", world_use),
    ):
        cloud = part[counterparty].map(cloud_of).fillna(-1).astype(int)
        party = part["kind"].astype(str).map(names).fillna("other")
        party = party.where(cloud < 0, cloud.map(lambda i: cloud_names[i]))
        circular = (part["origin"] == part["payee"]) & (cloud >= 0) & (side == "out")
        rows.append(
            pd.DataFrame(
                {
                    "side": side,
                    "party": party.to_numpy(),
                    "cloud": cloud.to_numpy(),
                    "circular": circular.to_numpy(),
                    "amount": part["amount"].to_numpy(),
                }
            )
        )
    flows = pd.concat(rows, ignore_index=True)
    return flows.groupby(["side", "party", "cloud", "circular"], as_index=False, sort=False)[
        "amount"
    ].sum()


def _band(ax: Axes, x0: float, y0: tuple, x1: float, y1: tuple, **style: object) -> None:
    """A band from the span ``y0`` (top, bottom) at ``x0`` to ``y1`` at ``x1``, as in a Sankey."""
    middle = (x0 + x1) / 2
    vertices = [
        (x0, y0[0]),
        (middle, y0[0]),
        (middle, y1[0]),
        (x1, y1[0]),
        (x1, y1[1]),
        (middle, y1[1]),
        (middle, y0[1]),
        (x0, y0[1]),
        (x0, y0[0]),
    ]
    codes = [Path.MOVETO, *[Path.CURVE4] * 3, Path.LINETO, *[Path.CURVE4] * 3, Path.CLOSEPOLY]
    ax.add_patch(PathPatch(Path(vertices, codes), **style))


def _party_order(flows: pd.DataFrame) -> list[tuple[str, int]]:
    """Parties of one side: clouds first (in model order), then the rest by size."""
    totals = flows.groupby(["party", "cloud"], sort=False)["amount"].sum().reset_index()
    totals["is_other"] = totals["cloud"] < 0
    totals = totals.sort_values(["is_other", "cloud", "amount"], ascending=[True, True, False])
    return list(zip(totals["party"], totals["cloud"], strict=True))


def money_flow_figure(model: ComputeMarket) -> Figure:
    """The money flows of the last year through the AI labs, as a Sankey diagram.

    On the left what the labs received (users' spending, independent capital, each cloud's
    investment: the door); on the right what they paid (each cloud's compute revenue, hatched where
    it is the cloud's own invested money coming back: the window; running costs; switching costs).

    Args:
        model: The running model.

    Returns:
        A figure of one panel.
    """
    figure, ax = _new_figure(WIDE)
    ax.axis("off")
    ax.set_title(
        "Money through the AI labs in the last year, $B (hatched: a cloud's own investment "
        "coming back as its revenue)",
        fontsize=10,
    )
    flows = last_year_flows(model)
    flows = flows[flows["amount"] > 0]
    if flows.empty:
        ax.text(0.5, 0.5, "No money has moved yet: press Step.", ha="center", va="center")
        return figure
    into, out = flows[flows["side"] == "in"], flows[flows["side"] == "out"]
    total = max(into["amount"].sum(), out["amount"].sum())
    gap = 0.03
    parties = max(len(_party_order(into)), len(_party_order(out)), 1)
    scale = (1.0 - gap * (parties - 1)) / total
    centre = [1.0, 1.0]  # where the next band meets the labs, for bands in and out
    for side, part, x_node, x_label, align in (
        ("in", into, 0.0, -0.01, "right"),
        ("out", out, 0.94, 1.01, "left"),
    ):
        top = 1.0
        entry = 0 if side == "in" else 1
        for party, cloud in _party_order(part):
            rows = part[(part["party"] == party) & (part["cloud"] == cloud)]
            colour = cloud_colour(cloud) if cloud >= 0 else _other_colour(party)
            height = rows["amount"].sum() * scale
            ax.add_patch(Rectangle((x_node, top - height), 0.06, height, color=colour))
            ax.text(
                x_label + (0.0 if side == "in" else 0.06),
                top - height / 2,
                f"{party}  ${rows['amount'].sum():,.1f}B",
                ha=align,
                va="center",
                fontsize=8,
            )
            for circular in (False, True):
                amount = rows.loc[rows["circular"] == circular, "amount"].sum() * scale
                if amount <= 0:
                    continue
                node = (top, top - amount)
                labs = (centre[entry], centre[entry] - amount)
                ends = (0.06, node, 0.47, labs) if side == "in" else (0.53, labs, 0.94, node)
                _band(
                    ax,
                    *ends,
                    facecolor=colour,
                    alpha=0.55,
                    hatch=HATCH if circular else None,
                    edgecolor="white" if not circular else "#333333",
                    linewidth=0.0,
                )
                top -= amount
                centre[entry] -= amount
            top -= gap
    labs_bottom = 1.0 - total * scale
    ax.add_patch(Rectangle((0.47, labs_bottom), 0.06, 1.0 - labs_bottom, color="#555555"))
    ax.text(0.5, 1.02, "AI labs", ha="center", va="bottom", fontsize=9, weight="bold")
    ax.set_xlim(-0.45, 1.45)
    ax.set_ylim(-0.02, 1.06)
    return figure


def _other_colour(party: str) -> str:
    return END_USERS_COLOUR if party == "end users" else NEUTRAL_COLOUR
