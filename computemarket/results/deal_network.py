"""The deal network at one quarter: which hyperscaler holds which lab, and by what strings.

Built from the deals table as a :class:`networkx.MultiDiGraph` (hyperscalers and labs as nodes; one
edge per kind of tie, investor to lab) and drawn on a ring: each hyperscaler in the middle of the
sector of labs it is most tied to. Edge widths are value in $B:

- **equity**: money invested in the lab by deals still standing ($B, at signing; dilution by later
  rounds is not tracked);
- **commitment**: compute still to be bought from the investor, pro rata to the term left ($B);
- **exclusivity**: the lab's compute spend bound to the investor while exclusive ($B per year);
- **ownership**: in-house labs (from the start or acquired), drawn at a fixed width.

A lab that exited is gone from the network; an acquisition ends the deals signed before it; a
hyperscaler that failed holds nothing.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

from computemarket.results.source import FigureError
from computemarket.results.style import (
    FONT_SIZE,
    INK,
    OTHER_FIRMS_COLOUR,
    OTHER_LABS_COLOUR,
    firm_colours,
    new_figure,
    run_title,
)
from computemarket.store.runs import StoredRun

EQUITY, COMMITMENT, EXCLUSIVITY, OWNERSHIP = "equity", "commitment", "exclusivity", "ownership"
EDGE_STYLE = {
    EQUITY: {"linestyle": "-", "rad": 0.0, "label": "equity: \\$B invested"},
    COMMITMENT: {"linestyle": "--", "rad": 0.18, "label": "commitment: \\$B of compute still due"},
    EXCLUSIVITY: {"linestyle": ":", "rad": -0.18, "label": "exclusivity: \\$B/year of spend bound"},
    OWNERSHIP: {"linestyle": "-", "rad": 0.0, "label": "ownership (in-house lab)"},
}
OWNERSHIP_WIDTH = 5.0
MAX_WIDTH = 9.0


def _standing_deals(deals: pd.DataFrame, quarter: int) -> pd.DataFrame:
    """Investment deals signed by ``quarter`` and not ended by a later acquisition of the lab."""
    signed = deals[deals["quarter"] <= quarter]
    bought = signed[signed["kind"] == "acquisition"].groupby("lab")["quarter"].max()
    investments = signed[signed["kind"] == "investment"]
    bought_at = investments["lab"].map(bought.to_dict()).astype(float).fillna(-1.0)
    ended = investments["quarter"] < bought_at
    return investments[~ended]


def deal_network(run: StoredRun, quarter: int | None = None) -> nx.MultiDiGraph:
    """The hyperscalers, labs and ties between them at one quarter.

    Args:
        run: A stored run.
        quarter: Quarter number (0 = start); default: the last quarter of the run.

    Returns:
        A graph with node attributes ``kind`` (``hyperscaler`` or ``lab``), ``share`` (of AI
        compute revenue or of the model market), ``owner`` (labs) and ``colour``; and edges
        investor -> lab keyed by kind (``equity``, ``commitment``, ``exclusivity``,
        ``ownership``) with ``value`` in $B (``ownership``: the lab's annual compute spend).

    Raises:
        FigureError: If the quarter is not in the run.
    """
    quarters = run.metrics["quarter"]
    last = int(quarters.max())
    quarter = last if quarter is None else int(quarter)
    if not quarters.isin([quarter]).any():
        raise FigureError(f"quarter {quarter}: the run has quarters 0 to {last}")
    now = run.agents[run.agents["quarter"] == quarter]
    colours = firm_colours(run.agents)
    graph = nx.MultiDiGraph(quarter=quarter)
    clouds = now[(now["kind"] == "hyperscaler") & now["alive"].astype(bool)]
    for row in clouds.sort_values("agent_id").itertuples():
        graph.add_node(
            str(row.name), kind="hyperscaler", share=float(row.share), colour=colours[str(row.name)]
        )
    labs = now[now["kind"] == "lab"].sort_values("agent_id")
    spend = dict(zip(labs["name"].astype(str), labs["compute_spend"].fillna(0.0) * 4, strict=True))
    for row in labs.itertuples():
        owner = str(row.owner or "")
        colour = colours.get(owner, OTHER_FIRMS_COLOUR) if owner else OTHER_LABS_COLOUR
        graph.add_node(
            str(row.name), kind="lab", share=float(row.share), owner=owner, colour=colour
        )
        if owner in graph:
            graph.add_edge(owner, str(row.name), key=OWNERSHIP, value=spend[str(row.name)])
    deals = _standing_deals(run.deals, quarter)
    deals = deals[deals["investor"].isin(graph.nodes) & deals["lab"].isin(graph.nodes)]
    age = quarter - deals["quarter"]
    left = (deals["commitment_quarters"] - age).clip(lower=0)
    ties = deals.assign(
        equity=deals["amount"],
        commitment=np.where(
            left > 0, deals["commitment"] * left / deals["commitment_quarters"].clip(lower=1), 0.0
        ),
        exclusive=age < deals["exclusivity_quarters"],
    )
    for (investor, lab), group in ties.groupby(["investor", "lab"], sort=False):
        if graph.nodes[lab]["owner"]:
            continue  # an in-house lab's deals ended when it was bought
        values = {
            EQUITY: float(group["equity"].sum()),
            COMMITMENT: float(group["commitment"].sum()),
            EXCLUSIVITY: spend[lab] if group["exclusive"].any() else 0.0,
        }
        for kind, value in values.items():
            if value > 0:
                graph.add_edge(investor, lab, key=kind, value=value)
    return graph


def ring_layout(graph: nx.MultiDiGraph) -> dict[str, tuple[float, float]]:
    """Place labs on an outer ring and hyperscalers on an inner one, each amid its labs.

    Labs are grouped by the hyperscaler they are most tied to (owner first, then the largest sum
    of tie values); each hyperscaler sits in the middle of its group's sector.

    Args:
        graph: A graph from :func:`deal_network`.

    Returns:
        Node to (x, y); the outer ring has radius 1.
    """
    clouds = [n for n, kind in graph.nodes(data="kind") if kind == "hyperscaler"]
    labs = [n for n, kind in graph.nodes(data="kind") if kind == "lab"]
    partner: dict[str, str | None] = {}
    for lab in labs:
        ties: dict[str, float] = {}
        for investor, _lab, kind, value in graph.in_edges(lab, keys=True, data="value"):
            ties[investor] = ties.get(investor, 0.0) + (math.inf if kind == OWNERSHIP else value)
        partner[lab] = max(ties, key=ties.get) if ties else None
    groups = {cloud: [lab for lab in labs if partner[lab] == cloud] for cloud in clouds}
    loose = [lab for lab in labs if partner[lab] is None]
    slots = sum(max(len(g), 1) for g in groups.values()) + len(loose)
    step = 2 * math.pi / max(slots, 1)
    position: dict[str, tuple[float, float]] = {}
    centres = []
    angle = math.pi / 2  # start at the top, go clockwise
    for members in groups.values():
        width = max(len(members), 1)
        centres.append(angle - step * (width - 1) / 2)
        for i, lab in enumerate(members):
            position[lab] = (math.cos(angle - i * step), math.sin(angle - i * step))
        angle -= width * step
    for i, lab in enumerate(loose):
        position[lab] = (math.cos(angle - i * step), math.sin(angle - i * step))
    # Clouds with few labs would sit on top of each other: keep them a fair share of a turn apart.
    gap = 2 * math.pi / (len(clouds) + 1)
    for i in range(1, len(centres)):
        centres[i] = min(centres[i], centres[i - 1] - gap)
    for cloud, centre in zip(groups, centres, strict=True):
        position[cloud] = (0.42 * math.cos(centre), 0.42 * math.sin(centre))
    return position


def deal_network_figure(run: StoredRun, quarter: int | None = None) -> Figure:
    """Draw the deal network at one quarter.

    Args:
        run: A stored run.
        quarter: Quarter number (0 = start); default: the last quarter.

    Returns:
        One square-ish panel with a legend of edge kinds and widths.

    Raises:
        FigureError: If the quarter is not in the run.
    """
    graph = deal_network(run, quarter)
    quarter = graph.graph["quarter"]
    when = run.metrics.loc[run.metrics["quarter"] == quarter, "year"]
    calendar = f" ({float(when.iloc[0]):g})" if len(when) else ""
    figure = new_figure(
        title=f"Deal network at quarter {quarter}{calendar}: {run_title(run.manifest)}"
    )
    key, ax = figure.subplots(1, 2, width_ratios=[1, 2.4])
    key.set_axis_off()
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_xlim(-1.3, 1.3)
    ax.set_ylim(-1.25, 1.25)
    if graph.number_of_nodes() == 0:
        ax.text(0, 0, "no firm in business at this quarter", ha="center")
        return figure
    position = ring_layout(graph)
    values = [v for _a, _b, k, v in graph.edges(keys=True, data="value") if k != OWNERSHIP]
    largest = max(values, default=1.0) or 1.0
    for investor, lab, kind, value in graph.edges(keys=True, data="value"):
        style = EDGE_STYLE[kind]
        width = OWNERSHIP_WIDTH if kind == OWNERSHIP else _width(value, largest)
        ax.add_patch(
            FancyArrowPatch(
                position[investor],
                position[lab],
                arrowstyle="-",
                connectionstyle=f"arc3,rad={style['rad']}",
                linestyle=style["linestyle"],
                linewidth=width,
                color=graph.nodes[investor]["colour"],
                alpha=0.45 if kind == OWNERSHIP else 0.8,
                shrinkA=12,
                shrinkB=6,
                zorder=1,
            )
        )
    _draw_nodes(ax, graph, position)
    _legend(key, largest)
    return figure


def _width(value: float, largest: float) -> float:
    # Area-like scaling: a tie 4 times larger looks twice as thick.
    return 0.8 + (MAX_WIDTH - 0.8) * math.sqrt(max(value, 0.0) / largest)


def _draw_nodes(ax: Axes, graph: nx.MultiDiGraph, position: dict) -> None:
    for node, data in graph.nodes(data=True):
        x, y = position[node]
        if data["kind"] == "hyperscaler":
            size = 500 + 4000 * data["share"]
            ax.scatter(
                [x], [y], s=size, marker="s", color=data["colour"], edgecolor="white", zorder=3
            )
            ax.text(
                x,
                y - 0.1,
                node,
                ha="center",
                va="top",
                fontsize=FONT_SIZE,
                weight="bold",
                color=INK,
                zorder=4,
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1.5},
            )
            continue
        size = 40 + 3000 * data["share"]
        ax.scatter(
            [x],
            [y],
            s=size,
            marker="o",
            color=data["colour"],
            edgecolor=INK,
            linewidth=0.6,
            zorder=3,
        )
        angle = math.degrees(math.atan2(y, x))
        flip = 90 < angle % 360 <= 270  # keep every label reading left to right or upwards
        ax.text(
            1.08 * x,
            1.08 * y,
            node,
            rotation=angle + 180 if flip else angle,
            rotation_mode="anchor",
            ha="right" if flip else "left",
            va="center",
            fontsize=FONT_SIZE - 3,
            color=INK,
        )


def _legend(ax: Axes, largest: float) -> None:
    """Two legends in the key panel: kinds of tie and node, and edge widths in $B."""
    ties = [
        Line2D([], [], color=INK, linewidth=2.5, linestyle=style["linestyle"], label=style["label"])
        for kind, style in EDGE_STYLE.items()
        if kind != OWNERSHIP
    ]
    ties.append(
        Line2D(
            [],
            [],
            color=INK,
            alpha=0.45,
            linewidth=OWNERSHIP_WIDTH,
            label=EDGE_STYLE[OWNERSHIP]["label"],
        )
    )
    node = {"linestyle": "", "markeredgecolor": INK}
    ties += [
        Line2D(
            [],
            [],
            marker="s",
            color=INK,
            markersize=12,
            label="hyperscaler (area: AI compute share)",
            **node,
        ),
        Line2D(
            [],
            [],
            marker="o",
            color=OTHER_LABS_COLOUR,
            markersize=9,
            label="lab (area: model-market share;\nowner's colour if in-house)",
            **node,
        ),
    ]
    widths = [
        Line2D([], [], color=INK, linewidth=_width(v, largest), label=f"\\${v:,.3g}B")
        for v in (largest, largest / 4, largest / 16)
    ]
    text = {"fontsize": FONT_SIZE - 2, "title_fontsize": FONT_SIZE - 2, "frameon": False}
    first = ax.legend(
        handles=ties, loc="upper left", title="ties, in the investor's colour", **text
    )
    ax.add_artist(first)  # a second legend would replace the first otherwise
    ax.legend(handles=widths, loc="lower left", title="edge width", **text)
