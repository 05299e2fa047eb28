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
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.path import Path as MplPath

from computemarket.results.source import FigureError
from computemarket.results.style import (
    FONT_SIZE,
    INK,
    OTHER_FIRMS_COLOUR,
    OTHER_LABS_COLOUR,
    firm_colours,
    new_figure,
    quarter_label,
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
    # Clouds sit evenly round the inner ring, in the order of their sectors and turned so that the
    # first is in the middle of its sector: two clouds (and their names) can never meet.
    # With more than three clouds the inner ring widens, so that neighbours' names keep apart.
    if clouds:
        turn = 2 * math.pi / len(clouds)
        radius = min(0.62, 0.42 + 0.05 * max(len(clouds) - 3, 0))
        for i, cloud in enumerate(groups):
            angle = centres[0] - i * turn
            position[cloud] = (radius * math.cos(angle), radius * math.sin(angle))
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
    calendar = f" ({quarter_label(float(when.iloc[0]))})" if len(when) else ""
    figure = new_figure(
        title=f"Deal network at quarter {quarter}{calendar}: {run_title(run.manifest)}"
    )
    key, ax = figure.subplots(1, 2, width_ratios=[1, 2.4])
    draw_deal_network(ax, graph)
    draw_key(key, graph)
    return figure


def draw_deal_network(ax: Axes, graph: nx.MultiDiGraph, *, font_size: float = FONT_SIZE) -> None:
    """Draw a deal network on the ring (:func:`ring_layout`), labels and all, on one panel.

    The report (:func:`deal_network_figure`) and the classroom app draw it with this function.

    Args:
        ax: The panel.
        graph: A graph from :func:`deal_network`.
        font_size: Size of the hyperscalers' names in points (labs' names are smaller).
    """
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_xlim(-1.3, 1.3)
    ax.set_ylim(-1.25, 1.25)
    if graph.number_of_nodes() == 0:
        ax.text(0, 0, "no firm in business at this quarter", ha="center", fontsize=font_size)
        return
    position = ring_layout(graph)
    largest = _largest_tie(graph)
    paths, widths, colours, styles = [], [], [], []
    for investor, lab, kind, value in graph.edges(keys=True, data="value"):
        style = EDGE_STYLE[kind]
        paths.append(_arc(position[investor], position[lab], style["rad"]))
        widths.append(OWNERSHIP_WIDTH if kind == OWNERSHIP else _width(value, largest))
        colours.append(to_rgba(graph.nodes[investor]["colour"], 0.45 if kind == OWNERSHIP else 0.8))
        styles.append(style["linestyle"])
    # One collection for every tie: a patch per tie took most of the drawing time of a large net.
    ax.add_collection(
        PathCollection(
            paths,
            facecolors="none",
            edgecolors=colours,
            linewidths=widths,
            linestyles=styles,
            capstyle="butt",
            zorder=1,
        ),
        autolim=False,
    )
    _draw_nodes(ax, graph, position, font_size)


def draw_key(ax: Axes, graph: nx.MultiDiGraph, *, font_size: float = FONT_SIZE) -> None:
    """The key of a deal network on its own panel: kinds of tie and node, and edge widths in $B."""
    ax.set_axis_off()
    _legend(ax, _largest_tie(graph), font_size)


def _largest_tie(graph: nx.MultiDiGraph) -> float:
    values = [v for _a, _b, k, v in graph.edges(keys=True, data="value") if k != OWNERSHIP]
    return max(values, default=1.0) or 1.0


def describe_deal_network(graph: nx.MultiDiGraph, when: str) -> str:
    """The network in words, with its key numbers (a text alternative for screen readers).

    Args:
        graph: A graph from :func:`deal_network`.
        when: The quarter shown, e.g. ``"2027Q2"``.
    """
    clouds = [n for n, kind in graph.nodes(data="kind") if kind == "hyperscaler"]
    labs = [n for n, kind in graph.nodes(data="kind") if kind == "lab"]
    parts = []
    for cloud in clouds:
        ties: dict[str, float] = {}
        owned = []
        for _investor, lab, kind, value in graph.out_edges(cloud, keys=True, data="value"):
            if kind == OWNERSHIP:
                owned.append(lab)
            else:
                ties.setdefault(kind, 0.0)
                ties[kind] += value
        invested = sorted({lab for _c, lab, k in graph.out_edges(cloud, keys=True) if k == EQUITY})
        text = f"{cloud} holds stakes in {len(invested)} labs"
        if ties:
            text += " (" + ", ".join(f"{kind} ${value:,.1f}B" for kind, value in ties.items()) + ")"
        if owned:
            text += f" and owns {', '.join(sorted(owned))}"
        parts.append(text)
    loose = [lab for lab in labs if graph.in_degree(lab) == 0]
    return (
        f"Deal network, {when}: {len(clouds)} hyperscalers, {len(labs)} labs. "
        + "; ".join(parts)
        + f". {len(loose)} labs have no hyperscaler tie."
    )


def _arc(start: tuple[float, float], end: tuple[float, float], rad: float) -> MplPath:
    """A tie from ``start`` to ``end`` bent as matplotlib's ``arc3`` connection bends it.

    The control point of the quadratic Bezier curve sits ``rad`` times the distance between the
    ends away from the middle of the straight line, to its left.
    """
    (x0, y0), (x1, y1) = start, end
    control = ((x0 + x1) / 2 + rad * (y1 - y0), (y0 + y1) / 2 - rad * (x1 - x0))
    return MplPath([start, control, end], [MplPath.MOVETO, MplPath.CURVE3, MplPath.CURVE3])


def _width(value: float, largest: float) -> float:
    # Area-like scaling: a tie 4 times larger looks twice as thick.
    return 0.8 + (MAX_WIDTH - 0.8) * math.sqrt(max(value, 0.0) / largest)


def _draw_nodes(
    ax: Axes, graph: nx.MultiDiGraph, position: dict, font_size: float = FONT_SIZE
) -> None:
    clouds = [(n, d) for n, d in graph.nodes(data=True) if d["kind"] == "hyperscaler"]
    labs = [(n, d) for n, d in graph.nodes(data=True) if d["kind"] != "hyperscaler"]
    for nodes, marker, size, edge in (
        (clouds, "s", lambda share: 500 + 4000 * share, "white"),
        (labs, "o", lambda share: 40 + 3000 * share, INK),
    ):
        if nodes:
            ax.scatter(
                [position[n][0] for n, _ in nodes],
                [position[n][1] for n, _ in nodes],
                s=[size(d["share"]) for _, d in nodes],
                marker=marker,
                c=[d["colour"] for _, d in nodes],
                edgecolors=edge,
                linewidths=0.6,
                zorder=3,
            )
    for node, _data in clouds:
        x, y = position[node]
        ax.text(
            x,
            y - 0.1,
            node,
            ha="center",
            va="top",
            fontsize=font_size,
            weight="bold",
            color=INK,
            zorder=4,
            bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1.5},
        )
    for node, _data in labs:
        x, y = position[node]
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
            fontsize=font_size - 3,
            color=INK,
        )


def _legend(ax: Axes, largest: float, font_size: float = FONT_SIZE) -> None:
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
    text = {"fontsize": font_size - 2, "title_fontsize": font_size - 2, "frameon": False}
    first = ax.legend(
        handles=ties, loc="upper left", title="ties, in the investor's colour", **text
    )
    ax.add_artist(first)  # a second legend would replace the first otherwise
    ax.legend(handles=widths, loc="lower left", title="edge width", **text)
