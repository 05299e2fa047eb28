"""The app's charts: one per tab, drawn from the running model with the report's own drawing code.

Each chart reads the model's tables as a run (:func:`live_run`, the same
:class:`~computemarket.store.runs.StoredRun` the report reads from disk) and draws it with the
panels of :mod:`computemarket.results` (:mod:`~computemarket.results.panels`,
:mod:`~computemarket.results.money_flow`, :mod:`~computemarket.results.deal_network`), so a chart
looks the same in the app and in the report, and one implementation is kept. Each chart also says
what it shows in words, with its key numbers (:attr:`Chart.describe`): the text alternative that
a screen reader reads, e.g. ``"cloud HHI 2,150: highly concentrated"``.

Figures are sized for a projector of 1280 x 720 pixels: drawn at :data:`DPI`, shown at their own
size, their tick labels are :data:`FONT_SIZE` - 1 points, 15 pixels high. None uses ``pyplot``,
so the charts of different sessions can be drawn at once.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from computemarket.results import deal_network, money_flow
from computemarket.results.panels import (
    CIRCULARITY_SERIES,
    HHI_SERIES,
    LOCK_IN_SERIES,
    draw_circularity,
    draw_concentration,
    draw_lock_in,
    draw_share_stack,
)
from computemarket.results.plots import format_time_axes
from computemarket.results.series import (
    ShareStack,
    cloud_share_stack,
    model_share_stack,
    time_axis,
)
from computemarket.results.style import (
    FONT_SIZE,
    HHI_HIGH,
    HHI_MODERATE,
    firm_colours,
    hhi_band,
    metric_colour,
    metric_style,
    quarter_label,
)
from computemarket.simulation.model import ComputeMarket
from computemarket.store.runs import StoredRun

SIZE = (8.4, 4.6)
"""Size of a chart in inches: 840 x 460 pixels at :data:`DPI`, the room a 1280 x 720 screen leaves
beside the sidebar, under the app bar, the status line and the tabs."""
DPI = 100


@dataclass(frozen=True)
class PreviousRun:
    """A run kept for comparison after the market restarts, drawn as dashed lines.

    Attributes:
        label: What the run was, e.g. ``"classroom, laissez-faire, seed 1"``.
        metrics: Its metrics table, one row per quarter.
    """

    label: str
    metrics: pd.DataFrame


@dataclass(frozen=True)
class Drawn:
    """A chart drawn for the page.

    Attributes:
        png: The figure as PNG.
        text: What it shows in words, with its key numbers.
        tick_px: Height of its smallest tick labels in pixels, at the figure's own size.
        quarter: The last quarter of the run drawn.
    """

    png: bytes
    text: str
    tick_px: float
    quarter: int


@dataclass(frozen=True)
class Chart:
    """One tab of the app.

    Attributes:
        key: Short name, e.g. ``"concentration"``.
        title: The tab's label.
        layout: Makes the chart's panels on an empty figure.
        draw: Draws a run (and a previous run, if any) on those panels; returns what it computed
            on the way that the description needs too (or ``None``).
        describe: The chart in words, with its key numbers.
    """

    key: str
    title: str
    layout: Callable[[Figure], list[Axes]]
    draw: Callable[[list[Axes], StoredRun, PreviousRun | None], Any]
    describe: Callable[[StoredRun, PreviousRun | None, Any], str]


class ChartFigure:
    """A chart's figure, kept from one step to the next and drawn again in place.

    The first drawing lays the panels out (matplotlib's constrained layout, which measures every
    label); later ones keep that layout and only draw the data again, unless a legend changed,
    which needs room of its own. Laying out took about a third of the time of a chart.

    Args:
        chart: The chart to draw.
    """

    def __init__(self, chart: Chart) -> None:
        self.chart = chart
        self.figure: Figure | None = None
        self.axes: list[Axes] = []
        self._legends: tuple = ()

    def render(self, run: StoredRun, previous: PreviousRun | None = None) -> Drawn:
        """Draw the chart of a run and say what it shows."""
        if self.figure is None:
            self.figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
            # A canvas of its own keeps one renderer from step to step, and with it matplotlib's
            # cache of text sizes: laying out the labels took most of a redraw without it.
            FigureCanvasAgg(self.figure)
            self.axes = self.chart.layout(self.figure)
        else:
            for ax in self.axes:
                ax.clear()
        figure = self.figure
        facts = self.chart.draw(self.axes, run, previous)
        _previous_note(figure, previous)
        legends = tuple(
            tuple(text.get_text() for text in legend.get_texts())
            for ax in self.axes
            if (legend := ax.get_legend()) is not None
        )
        if legends != self._legends:
            figure.set_layout_engine("constrained")
        self._legends = legends
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
        figure.set_layout_engine("none")  # keep the panels where they are for the next quarters
        text = self.chart.describe(run, previous, facts)
        quarter = int(run.metrics["quarter"].iloc[-1])
        return Drawn(buffer.getvalue(), text, smallest_tick_px(figure), quarter)


def render(chart: Chart, run: StoredRun, previous: PreviousRun | None = None) -> Drawn:
    """Draw a chart once, on a figure of its own."""
    return ChartFigure(chart).render(run, previous)


def live_run(model: ComputeMarket) -> StoredRun:
    """The running model's tables so far, as a run read back from disk would hold them."""
    tables = model.tables()
    manifest = {
        "scenario_name": model.params.name,
        "rules_preset": model.params.rules_preset,
        "years": model.years,
    }
    return StoredRun(
        Path("."), manifest, tables["metrics"], tables["agents"], tables["ledger"], tables["deals"]
    )


def metrics_table(model: ComputeMarket) -> pd.DataFrame:
    """The model's metrics so far, one row per quarter (as Mesa's DataCollector holds them)."""
    return model.datacollector.get_model_vars_dataframe()


def smallest_tick_px(figure: Figure) -> float:
    """Height in pixels of the smallest tick label of a figure's visible axes, at its own size."""
    sizes = [
        label.get_fontsize()
        for ax in figure.axes
        if ax.axison
        for axis in (ax.xaxis, ax.yaxis)
        for label in axis.get_ticklabels()
        if label.get_text()
    ]
    return min(sizes, default=FONT_SIZE) * figure.dpi / 72


def now(run: StoredRun) -> str:
    """The quarter shown, e.g. ``"2027Q2"``."""
    return quarter_label(float(run.metrics["year"].iloc[-1]))


def _previous_lines(ax: Axes, previous: PreviousRun | None, series: dict, scale: float) -> None:
    """The previous run's lines, dashed, in each metric's colour, left out of the legend."""
    if previous is None or len(previous.metrics) < 2:
        return
    when = time_axis(previous.metrics).to_numpy()
    for position, column in enumerate(series):
        if column in previous.metrics:
            values = previous.metrics[column].to_numpy(dtype=float) * scale
            ax.plot(when, values, "--", color=metric_colour(column, position), linewidth=1.5)


def _previous_note(figure: Figure, previous: PreviousRun | None) -> None:
    """Say under the chart what the dashed lines are, if there are any."""
    shown = previous is not None and len(previous.metrics) > 1 and bool(figure.axes[-1].lines)
    note = f"dashed: previous run ({previous.label})" if shown else ""
    figure.supxlabel(note, fontsize=FONT_SIZE - 2, color="#555555")


def _last(run: StoredRun, metric: str) -> float:
    return float(run.metrics[metric].iloc[-1])


def _percent(run: StoredRun, metric: str) -> str:
    style = metric_style(metric)
    return f"{style.label} {100 * _last(run, metric):.0f}% ({style.unit.removeprefix('% ')})"


# --------------------------------------------------------------------------------- market shares
def two_rows(figure: Figure) -> list[Axes]:
    """Two panels, one above the other, sharing the time axis."""
    return list(figure.subplots(2, 1, sharex=True))


def two_columns(figure: Figure) -> list[Axes]:
    """Two panels side by side, sharing the time axis."""
    return list(figure.subplots(1, 2, sharex=True))


def one_panel(figure: Figure) -> list[Axes]:
    """One panel."""
    return [figure.subplots()]


def key_and_panel(figure: Figure) -> list[Axes]:
    """A narrow panel for a key and a wide one for the picture."""
    return list(figure.subplots(1, 2, width_ratios=[1, 1.9]))


def draw_shares(
    axes: list[Axes], run: StoredRun, _previous: PreviousRun | None
) -> tuple[ShareStack, ShareStack]:
    """The clouds' and the AI models' market shares over the quarters played; returns both."""
    clouds, models = axes
    stacks = cloud_share_stack(run.agents), model_share_stack(run.agents)
    draw_share_stack(
        clouds,
        stacks[0],
        run.metrics,
        title="Clouds: shares of AI compute revenue",
        ylabel="% of revenue",
    )
    draw_share_stack(
        models,
        stacks[1],
        run.metrics,
        title="AI models: shares of labs' end-user revenue",
        ylabel="% of revenue",
    )
    format_time_axes(axes, run.metrics)
    clouds.set_xlabel("")
    return stacks


def describe_shares(run: StoredRun, _previous: PreviousRun | None, stacks: Any) -> str:
    """The clouds' and the largest labs' shares now, in words."""
    clouds, models = stacks or (cloud_share_stack(run.agents), model_share_stack(run.agents))
    clouds = clouds.shares.iloc[-1].sort_values(ascending=False)
    labs = models.shares.iloc[-1].sort_values(ascending=False)
    cloud_text = ", ".join(f"{name} {100 * share:.0f}%" for name, share in clouds.items())
    lab_text = ", ".join(f"{name} {100 * share:.0f}%" for name, share in labs.head(3).items())
    return (
        f"Market shares, {now(run)}. Clouds' shares of AI compute revenue: {cloud_text}. "
        f"Largest AI model firms' shares of labs' end-user revenue: {lab_text}."
    )


# ---------------------------------------------------------------------------------- concentration
def draw_concentration_chart(
    axes: list[Axes], run: StoredRun, previous: PreviousRun | None
) -> None:
    """HHI of the clouds and of the AI model market over the Merger Guidelines' bands."""
    (ax,) = axes
    draw_concentration(ax, run.metrics, title="Concentration (HHI)", series=HHI_SERIES)
    _previous_lines(ax, previous, HHI_SERIES, 1.0)
    format_time_axes(axes, run.metrics)


def describe_concentration(run: StoredRun, previous: PreviousRun | None, _facts: Any) -> str:
    """Each HHI now and its band, e.g. ``"cloud HHI 2,150: highly concentrated"``."""
    names = {
        "cloud_hhi": "cloud HHI",
        "capacity_hhi": "AI capacity HHI",
        "model_hhi": "AI model HHI",
    }
    parts = [
        f"{name} {_last(run, metric):,.0f}: {hhi_band(_last(run, metric))}"
        for metric, name in names.items()
        if metric in run.metrics
    ]
    text = (
        f"Concentration, {now(run)}: {'; '.join(parts)} (US 2023 Merger Guidelines: above "
        f"{HHI_HIGH:,.0f} highly concentrated, {HHI_MODERATE:,.0f} to {HHI_HIGH:,.0f} moderately)."
    )
    if previous is not None and len(previous.metrics):
        end = float(previous.metrics["cloud_hhi"].iloc[-1])
        text += f" Previous run ({previous.label}): cloud HHI {end:,.0f} at its last quarter."
    return text


# ------------------------------------------------------------------------- lock-in, circularity
def draw_lock_in_chart(axes: list[Axes], run: StoredRun, previous: PreviousRun | None) -> None:
    """Lock-in and circularity over the quarters played, side by side."""
    lock_in, circular = axes
    draw_lock_in(lock_in, run.metrics, title="Lock-in")
    draw_circularity(circular, run.metrics, title="Circularity")
    _previous_lines(lock_in, previous, LOCK_IN_SERIES, 100.0)
    _previous_lines(circular, previous, CIRCULARITY_SERIES, 100.0)
    for ax in axes:
        # Legends go under the panels: beside them they would take half of a chart this size.
        legend = ax.get_legend()
        if legend is not None:
            handles, labels = legend.legend_handles, [t.get_text() for t in legend.get_texts()]
            legend.remove()
            ax.legend(
                handles,
                labels,
                loc="upper center",
                bbox_to_anchor=(0.5, -0.18),
                fontsize=FONT_SIZE - 2,
                frameon=False,
            )
    format_time_axes(axes, run.metrics)


def describe_lock_in(run: StoredRun, _previous: PreviousRun | None, _facts: Any) -> str:
    """The lock-in and circularity measures now, in words."""
    metrics = [*LOCK_IN_SERIES, *CIRCULARITY_SERIES]
    parts = [_percent(run, metric) for metric in metrics if metric in run.metrics]
    return f"Lock-in and circularity, {now(run)}: {'; '.join(parts)}."


# ---------------------------------------------------------------------------------- deal network
def draw_network_chart(
    axes: list[Axes], run: StoredRun, _previous: PreviousRun | None
) -> nx.MultiDiGraph:
    """Who holds a stake in whom now, on the report's ring; returns the network."""
    key, ax = axes
    graph = deal_network.deal_network(run)
    deal_network.draw_deal_network(ax, graph, font_size=FONT_SIZE)
    deal_network.draw_key(key, graph, font_size=FONT_SIZE)
    return graph


def describe_network(run: StoredRun, _previous: PreviousRun | None, graph: Any) -> str:
    """The ties of each cloud now, in words."""
    graph = deal_network.deal_network(run) if graph is None else graph
    return deal_network.describe_deal_network(graph, now(run))


# ----------------------------------------------------------------------------------- money flows
def _recent_flows(run: StoredRun) -> tuple[pd.DataFrame, str]:
    quarters = money_flow.recent_quarters(run.metrics)
    flows = money_flow.money_flows(run.ledger, run.agents, quarters)
    return flows, money_flow.quarters_label(run.metrics, quarters)


def draw_money_flow_chart(
    axes: list[Axes], run: StoredRun, _previous: PreviousRun | None
) -> tuple[pd.DataFrame, str]:
    """The money of the last four quarters played through the labs; returns the flows."""
    (ax,) = axes
    flows, when = _recent_flows(run)
    money_flow.draw_money_flow(ax, flows, firm_colours(run.agents), when=when, font_size=FONT_SIZE)
    ax.get_figure().suptitle(
        f"Money through the AI labs, {when} ($B)".replace("$", r"\$"), fontsize=FONT_SIZE
    )
    return flows, when


def describe_money_flow(run: StoredRun, _previous: PreviousRun | None, facts: Any) -> str:
    """The flows of the last four quarters played, in words."""
    flows, when = _recent_flows(run) if facts is None else facts
    return money_flow.describe_money_flow(flows, when)


CHARTS: tuple[Chart, ...] = (
    Chart("shares", "Shares", two_rows, draw_shares, describe_shares),
    Chart(
        "concentration",
        "Concentration",
        one_panel,
        draw_concentration_chart,
        describe_concentration,
    ),
    Chart("lock-in", "Lock-in", two_columns, draw_lock_in_chart, describe_lock_in),
    Chart("network", "Deal network", key_and_panel, draw_network_chart, describe_network),
    Chart("money-flow", "Money flow", one_panel, draw_money_flow_chart, describe_money_flow),
)
"""The tabs of the app, in the order shown."""


def find_chart(key: str) -> Chart:
    """The chart of a key.

    Raises:
        KeyError: If no chart has that key.
    """
    for chart in CHARTS:
        if chart.key == key:
            return chart
    raise KeyError(f"no chart {key!r} (charts: {', '.join(c.key for c in CHARTS)})")
