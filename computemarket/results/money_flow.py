"""Money through the labs in one year: a Sankey diagram drawn from the ledger.

Money comes into the AI labs from hyperscalers (investment "in through the door": tied when it
carries a compute commitment, plus in-house funding), independent investors and end users; it goes
out as compute spend at each hyperscaler ("out through the window"), revenue shares, switching
charges and operating costs. The part of a hyperscaler's compute revenue that is its own tied
money coming back (ledger ``origin``) is drawn dark, like the tied investment that sent it.

The flows are hand-drawn (cubic Bezier bands) rather than with :mod:`matplotlib.sankey`, whose
single-node diagrams cannot show three columns.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path

from computemarket.results.source import FigureError
from computemarket.results.style import (
    FONT_SIZE,
    INK,
    OTHER_FIRMS_COLOUR,
    firm_colours,
    new_figure,
    quarter_label,
    run_title,
)
from computemarket.store.runs import StoredRun

LABS = "AI labs"
END_USERS = "end users"
INDEPENDENT = "independent investors"
OTHER_SOURCES = "other sources"
CASH_DRAWN = "drawn from labs' cash"
REVENUE_SHARE = "revenue share to investors"
OPERATING = "operating costs"
SWITCHING = "switching charges and egress"
OTHER_USES = "other uses"
CASH_ADDED = "added to labs' cash"

TIED = "tied investment"
UNTIED = "untied investment"
IN_HOUSE = "in-house funding"
CIRCULAR = "own money coming back"
OPEN_SPEND = "other compute spend"
PLAIN = ""

DARK, LIGHT = 0.85, 0.35
NEUTRAL = {
    END_USERS: "#7F7F7F",
    INDEPENDENT: "#B0B0B0",
    OTHER_SOURCES: "#CFCFCF",
    CASH_DRAWN: "#DDDDDD",
    REVENUE_SHARE: "#8C8C8C",
    OPERATING: "#A6A6A6",
    SWITCHING: "#6E6E6E",
    OTHER_USES: "#CFCFCF",
    CASH_ADDED: "#DDDDDD",
}
_OUT_KINDS = {
    "revenue_share": REVENUE_SHARE,
    "lab_opex": OPERATING,
    "egress_fee": SWITCHING,
    "switching_cost": SWITCHING,
}
NODE_WIDTH = 0.02
"""Width of a column of nodes, as a share of the panel's width."""
LABEL_PAD = 0.012
SCALE_BAR_ROOM = 0.09
"""Room at the right of the panel for the scale bar and its label."""
_PART_ORDER = {TIED: 0, UNTIED: 1, IN_HOUSE: 2, CIRCULAR: 0, OPEN_SPEND: 1, PLAIN: 3}


def flow_quarters(metrics: pd.DataFrame, year: int | None = None) -> tuple[int, list[int]]:
    """The calendar year of a money-flow diagram and its quarters.

    Quarter 0 is the opening state (its only transfers are opening balances), so it is never
    counted. The default is the last calendar year with four quarters of flows.

    Args:
        metrics: The run's metrics table (``quarter``, ``year`` in calendar years).
        year: Calendar year, e.g. 2030; default: the last full year.

    Returns:
        The year and its quarters.

    Raises:
        FigureError: If the run has no quarter of flows in that year.
    """
    quarter = metrics["quarter"].to_numpy(dtype=int)
    calendar = np.floor(metrics["year"].to_numpy(dtype=float) + 1e-9).astype(int)
    flows = quarter > 0
    by_year = pd.Series(quarter[flows]).groupby(calendar[flows]).apply(list)
    if by_year.empty:
        raise FigureError("the run has no quarter of money flows (run it for at least 1 year)")
    if year is None:
        full = [y for y, qs in by_year.items() if len(qs) == 4]
        year = int(max(full) if full else by_year.map(len).idxmax())
    if year not in by_year.index:
        raise FigureError(
            f"year {year}: the run's money flows cover calendar years {by_year.index.min()} to "
            f"{by_year.index.max()} (choose one of them)"
        )
    return int(year), [int(q) for q in by_year[year]]


def money_flows(ledger: pd.DataFrame, agents: pd.DataFrame, quarters: list[int]) -> pd.DataFrame:
    """Money into and out of the labs over some quarters, by source and use.

    Transfers between labs are internal and left out; opening balances are stock, not flow. The
    labs' net change in cash closes the account (``added to`` / ``drawn from labs' cash``), so the
    money in equals the money out.

    Args:
        ledger: The run's ledger (``quarter``, ``payer``, ``payee``, ``amount``, ``kind``, ``origin``).
        agents: The run's agents table (names and kinds of firms).
        quarters: The quarters to add up.

    Returns:
        One row per node and part: ``side`` (``"in"`` or ``"out"``), ``node`` (a hyperscaler's
        name or a source or use), ``part`` (``tied investment``, ``own money coming back``, ...;
        ``""`` for a node of one part) and ``amount`` ($B over the quarters).
    """
    labs = set(agents.loc[agents["kind"] == "lab", "name"].astype(str))
    clouds = set(agents.loc[agents["kind"] == "hyperscaler", "name"].astype(str))
    rows = ledger[ledger["quarter"].isin(quarters) & (ledger["kind"] != "opening_balance")]
    payer, payee = rows["payer"].astype(str), rows["payee"].astype(str)
    kind = rows["kind"].astype(str)
    tied = rows["origin"].fillna("").astype(str) != ""
    into = rows[payee.isin(labs) & ~payer.isin(labs)]
    out = rows[payer.isin(labs) & ~payee.isin(labs)]

    in_node = np.select(
        [
            payer[into.index].isin(clouds),
            kind[into.index] == "end_user_revenue",
            kind[into.index].isin(["independent_investment", "seed_capital"]),
        ],
        [payer[into.index], END_USERS, INDEPENDENT],
        OTHER_SOURCES,
    )
    in_part = np.select(
        [
            payer[into.index].isin(clouds) & (kind[into.index] == "investment") & tied[into.index],
            payer[into.index].isin(clouds) & (kind[into.index] == "investment"),
            payer[into.index].isin(clouds),
        ],
        [TIED, UNTIED, IN_HOUSE],
        PLAIN,
    )
    compute = payee[out.index].isin(clouds) & kind[out.index].isin(
        ["compute_payment", "take_or_pay"]
    )
    out_node = np.where(
        compute, payee[out.index], kind[out.index].map(_OUT_KINDS).fillna(OTHER_USES)
    )
    out_part = np.select([compute & tied[out.index], compute], [CIRCULAR, OPEN_SPEND], PLAIN)
    frames = [
        pd.DataFrame({"side": "in", "node": in_node, "part": in_part, "amount": into["amount"]}),
        pd.DataFrame({"side": "out", "node": out_node, "part": out_part, "amount": out["amount"]}),
    ]
    flows = pd.concat(frames).groupby(["side", "node", "part"], as_index=False)["amount"].sum()
    net = into["amount"].sum() - out["amount"].sum()
    if abs(net) > 1e-9:
        side, node = ("out", CASH_ADDED) if net > 0 else ("in", CASH_DRAWN)
        flows.loc[len(flows)] = [side, node, PLAIN, abs(net)]
    return flows[flows["amount"] > 0].reset_index(drop=True)


def _node_order(flows: pd.DataFrame, side: str, clouds: list[str]) -> list[str]:
    nodes = set(flows.loc[flows["side"] == side, "node"])
    tail = (
        [INDEPENDENT, END_USERS, OTHER_SOURCES, CASH_DRAWN]
        if side == "in"
        else [REVENUE_SHARE, SWITCHING, OPERATING, OTHER_USES, CASH_ADDED]
    )
    return [n for n in clouds if n in nodes] + [n for n in tail if n in nodes]


def _band(ax: Axes, x0: float, y0: tuple, x1: float, y1: tuple, **style: object) -> None:
    """A band from the span ``y0`` at ``x0`` to the span ``y1`` at ``x1``, with S-shaped edges."""
    mid = (x0 + x1) / 2
    vertices = [
        (x0, y0[1]),
        (mid, y0[1]),
        (mid, y1[1]),
        (x1, y1[1]),
        (x1, y1[0]),
        (mid, y1[0]),
        (mid, y0[0]),
        (x0, y0[0]),
        (x0, y0[1]),
    ]
    codes = [Path.MOVETO, *[Path.CURVE4] * 3, Path.LINETO, *[Path.CURVE4] * 3, Path.CLOSEPOLY]
    ax.add_patch(PathPatch(Path(vertices, codes), linewidth=0, **style))


def _spread(centres: list[float], gap: float, floor: float = -math.inf) -> list[float]:
    """Move label positions (top to bottom, descending) apart by at least ``gap``, none below ``floor``.

    Labels are pushed down where they crowd, then, if the last one fell below the floor, pushed
    back up from the floor.
    """
    placed: list[float] = []
    for y in centres:
        placed.append(min(y, placed[-1] - gap) if placed else y)
    if placed and placed[-1] < floor:
        placed[-1] = floor
        for i in range(len(placed) - 2, -1, -1):
            placed[i] = max(placed[i], placed[i + 1] + gap)
    return placed


def _money(amount: float) -> str:
    # "\\$": a literal dollar sign, since a pair of "$" starts mathtext.
    return f"\\${amount:,.1f}B" if amount < 100 else f"\\${amount:,.0f}B"


def recent_quarters(metrics: pd.DataFrame, count: int = 4) -> list[int]:
    """The last ``count`` quarters played (quarter 0, the opening state, is never counted).

    The classroom app draws the money of the last four quarters played, whatever their calendar
    year, so that its diagram moves with every step.
    """
    last = int(metrics["quarter"].max()) if len(metrics) else 0
    return list(range(max(1, last - count + 1), last + 1))


def quarters_label(metrics: pd.DataFrame, quarters: list[int]) -> str:
    """The calendar span of some quarters, e.g. ``"2027Q2-2028Q1"``."""
    year = metrics.set_index("quarter")["year"]
    if not quarters:
        return f"{quarter_label(year.iloc[0])}, before the first quarter"
    first, last = quarter_label(year[quarters[0]]), quarter_label(year[quarters[-1]])
    return first if first == last else f"{first}-{last}"


def money_flow_figure(run: StoredRun, year: int | None = None) -> Figure:
    """The Sankey diagram of one calendar year's money through the labs.

    Args:
        run: A stored run.
        year: Calendar year; default: the last full year of the run.

    Returns:
        One panel; band heights are $B over the year (a scale bar gives the unit).

    Raises:
        FigureError: If the run has no flows in that year.
    """
    year, quarters = flow_quarters(run.metrics, year)
    flows = money_flows(run.ledger, run.agents, quarters)
    figure = new_figure(
        title=f"Money through the labs in {year} ({len(quarters)} quarters, \\$B): "
        f"{run_title(run.manifest)}"
    )
    draw_money_flow(figure.subplots(), flows, firm_colours(run.agents), when=str(year))
    return figure


def draw_money_flow(
    ax: Axes,
    flows: pd.DataFrame,
    colours: dict[str, str],
    *,
    when: str,
    font_size: float = FONT_SIZE,
) -> None:
    """Draw the Sankey diagram of some flows through the labs on one panel.

    The report (:func:`money_flow_figure`) and the classroom app draw it with this function.

    Args:
        ax: The panel.
        flows: Flows from :func:`money_flows` (balanced: money in equals money out).
        colours: Each hyperscaler's colour (:func:`~computemarket.results.style.firm_colours`).
        when: The period, for the message drawn when no money moved.
        font_size: Size of the labels in points.
    """
    ax.set_axis_off()
    total = flows.loc[flows["side"] == "in", "amount"].sum()
    if total <= 0:
        ax.text(
            0.5, 0.5, f"no money moved through the labs in {when}", ha="center", fontsize=font_size
        )
        return
    gap = 0.025 * total
    columns, lab_x = _columns(ax, flows, colours, font_size)
    heights = {side: _column_height(flows, side, gap, colours) for side in columns}
    top = max(heights.values())
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.12 * top, top * 1.04)
    lab_top = top - (top - total) / 2
    ax.add_patch(Rectangle((lab_x[0], lab_top - total), NODE_WIDTH, total, color=INK))
    ax.text(
        lab_x[0] + 0.01,
        lab_top + 0.01 * top,
        LABS,
        ha="center",
        va="bottom",
        fontsize=font_size + 1,
    )
    label_gap = _label_gap(ax, font_size)
    for side, (x_left, x_right) in columns.items():
        _draw_side(
            ax,
            flows,
            side,
            (x_left, x_right),
            (lab_x, lab_top),
            (top, gap, label_gap),
            colours,
            font_size,
        )
    _scale_bar(ax, total, 1.0 - SCALE_BAR_ROOM, font_size)
    ax.legend(
        handles=[
            Patch(
                color=INK,
                alpha=DARK,
                label="tied money: investment with a compute commitment,\n"
                "and its return as the investor's compute revenue",
            ),
            Patch(color=INK, alpha=LIGHT, label="untied money, in-house funding and other spend"),
        ],
        loc="lower center",
        ncol=2,
        fontsize=font_size - 2,
        frameon=False,
        bbox_to_anchor=(0.5, 0.0),
    ).set_in_layout(False)  # it lies in the panel, under the columns
    tied = flows.loc[flows["part"] == TIED, "amount"].sum()
    back = flows.loc[flows["part"] == CIRCULAR, "amount"].sum()
    ax.set_title(
        f"In through the door: {_money(tied)} of tied investment.\nOut through the window: "
        f"{_money(back)} of compute spend was investors' own money coming back.",
        fontsize=font_size,
        loc="left",
    )


def describe_money_flow(flows: pd.DataFrame, when: str) -> str:
    """The diagram in words, with its key numbers (a text alternative for screen readers).

    Args:
        flows: Flows from :func:`money_flows`.
        when: The period, e.g. ``"2027Q2-2028Q1"``.
    """
    into = flows[flows["side"] == "in"].groupby("node", sort=False)["amount"].sum()
    out = flows[flows["side"] == "out"].groupby("node", sort=False)["amount"].sum()
    if into.sum() <= 0:
        return f"Money through the AI labs, {when}: no money moved yet."
    tied = flows.loc[flows["part"] == TIED, "amount"].sum()
    back = flows.loc[flows["part"] == CIRCULAR, "amount"].sum()

    def listing(amounts: pd.Series) -> str:
        ordered = amounts.sort_values(ascending=False)
        return "; ".join(f"{node} ${value:,.1f}B" for node, value in ordered.items())

    return (
        f"Money through the AI labs, {when}: ${into.sum():,.1f}B in, ${out.sum():,.1f}B out. "
        f"In: {listing(into)}. Out: {listing(out)}. Tied investment ${tied:,.1f}B; "
        f"${back:,.1f}B of the labs' compute spend was investors' own money coming back."
    )


def _column_height(flows: pd.DataFrame, side: str, gap: float, colours: dict) -> float:
    nodes = _node_order(flows, side, list(colours))
    return flows.loc[flows["side"] == side, "amount"].sum() + gap * max(len(nodes) - 1, 0)


def _draw_side(
    ax: Axes,
    flows: pd.DataFrame,
    side: str,
    node_x: tuple[float, float],
    labs: tuple[tuple[float, float], float],
    spacing: tuple[float, float, float],
    colours: dict[str, str],
    font_size: float,
) -> None:
    """Draw one column of nodes, their bands to or from the labs, and their labels.

    ``labs`` is the labs' column (left and right x) and its top; ``spacing`` the top of the
    columns, the gap between nodes and the least gap between labels (all in $B, the y axis's unit).
    """
    (lab_x, lab_top), (top, gap, label_gap) = labs, spacing
    nodes = _node_order(flows, side, list(colours))
    rows = flows[flows["side"] == side]
    height = rows["amount"].sum() + gap * max(len(nodes) - 1, 0)
    y = top - (top - height) / 2
    lab_y = lab_top
    label_at, labels = [], []
    for node in nodes:
        parts = rows[rows["node"] == node].sort_values("part", key=lambda p: p.map(_PART_ORDER))
        amount = parts["amount"].sum()
        colour = colours.get(node, NEUTRAL.get(node, OTHER_FIRMS_COLOUR))
        ax.add_patch(
            Rectangle((node_x[0], y - amount), node_x[1] - node_x[0], amount, color=colour)
        )
        for part, value in zip(parts["part"], parts["amount"], strict=True):
            alpha = _band_alpha(node, part, colours)
            span, lab_span = (y - value, y), (lab_y - value, lab_y)
            if side == "in":
                _band(ax, node_x[1], span, lab_x[0], lab_span, color=colour, alpha=alpha)
            else:
                _band(ax, lab_x[1], lab_span, node_x[0], span, color=colour, alpha=alpha)
            y, lab_y = y - value, lab_y - value
        label_at.append(y + amount / 2)
        labels.append(_node_label(node, parts, amount, colours))
        y -= gap
    for text, at in zip(labels, _spread(label_at, label_gap, floor=label_gap / 2), strict=True):
        x, align = (node_x[0] - 0.01, "right") if side == "in" else (node_x[1] + 0.01, "left")
        label = ax.text(x, at, text, ha=align, va="center", fontsize=font_size - 1, color=INK)
        # Room for the labels is made by _columns: the layout must not shrink the panel for them.
        label.set_in_layout(False)


def _label_gap(ax: Axes, font_size: float, lines: int = 2) -> float:
    """The height of a label of ``lines`` lines in the y axis's unit, so that labels never overlap.

    Read from the panel's size in the figure (its height in pixels) and the font's (points at the
    figure's dpi); the panel's limits must be set first.
    """
    figure = ax.get_figure()
    height_px = ax.get_position().height * figure.get_figheight() * figure.dpi
    low, high = ax.get_ylim()
    line_px = 1.25 * (font_size - 1) * figure.dpi / 72
    return lines * line_px / max(height_px, 1.0) * (high - low)


def _band_alpha(node: str, part: str, colours: dict[str, str]) -> float:
    """Dark for a firm's tied money (in or coming back), light for its other money; mid for the rest."""
    if node not in colours:
        return 0.55
    return DARK if part in (TIED, CIRCULAR) else LIGHT


def _node_label(node: str, parts: pd.DataFrame, amount: float, colours: dict) -> str:
    by_part = dict(zip(parts["part"], parts["amount"], strict=True))
    if node in colours and CIRCULAR in by_part:
        return f"{node}: {_money(amount)} compute\n({_money(by_part[CIRCULAR])} its own money back)"
    if node in colours and any(p in by_part for p in (OPEN_SPEND, CIRCULAR)):
        return f"{node}: {_money(amount)} compute"
    if node in colours:
        tied = by_part.get(TIED, 0.0)
        extra = f" ({_money(tied)} tied)" if tied else ""
        return f"{node}: {_money(amount)} funding{extra}"
    return f"{node}: {_money(amount)}"


def _columns(
    ax: Axes, flows: pd.DataFrame, colours: dict[str, str], font_size: float
) -> tuple[dict[str, tuple[float, float]], tuple[float, float]]:
    """Where the columns of sources, labs and uses go (x in [0, 1]) so that every label fits.

    The labels' widths are measured in pixels at their font size and set against the panel's
    width (the whole figure's, less a margin: the panel has no axes to leave room for).

    Returns:
        The x span of the sources' and the uses' nodes, and the labs' column.
    """
    figure = ax.get_figure()
    width_px = 0.96 * figure.get_figwidth() * figure.dpi
    room = {}
    for side in ("in", "out"):
        rows = flows[flows["side"] == side]
        widest = 0.0
        for node in _node_order(flows, side, list(colours)):
            parts = rows[rows["node"] == node]
            label = _node_label(node, parts, parts["amount"].sum(), colours)
            probe = ax.text(0, 0, label, fontsize=font_size - 1)
            widest = max(widest, probe.get_window_extent().width)
            probe.remove()
        room[side] = widest / width_px + LABEL_PAD
    left = room["in"]
    right = 1.0 - SCALE_BAR_ROOM - room["out"] - NODE_WIDTH
    middle = (left + NODE_WIDTH + right) / 2
    columns = {"in": (left, left + NODE_WIDTH), "out": (right, right + NODE_WIDTH)}
    return columns, (middle - NODE_WIDTH / 2, middle + NODE_WIDTH / 2)


def _scale_bar(ax: Axes, total: float, x: float, font_size: float = FONT_SIZE) -> None:
    """A vertical bar of a round amount right of ``x``, so that band heights can be read in $B."""
    step = 10 ** math.floor(math.log10(max(total / 4, 1e-9)))
    value = next(m * step for m in (5, 2, 1) if m * step <= total / 4)
    x += 0.01
    ax.add_patch(Rectangle((x, 0), 0.006, value, color=INK))
    label = ax.text(x + 0.012, value / 2, f"{_money(value)}", va="center", fontsize=font_size - 2)
    label.set_in_layout(False)
