"""One look for every figure: palettes, a stable colour per firm, fonts, units and the HHI bands.

Every figure of a run or a sweep is drawn with these constants and helpers, so that a firm has the
same colour in every picture, the palettes are colour-blind safe (Okabe & Ito 2008 for firms and
series, Paul Tol's *muted* scheme for labs, *viridis* for ordered and continuous values) and text is readable
on a slide. Figures are :class:`matplotlib.figure.Figure` objects, never ``pyplot``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from computemarket.simulation.metrics import HHI_HIGH, HHI_MODERATE

__all__ = ["HHI_HIGH", "HHI_MODERATE"]  # re-exported: the figures import the bands from here

# Okabe & Ito (2008), the colour-blind-safe palette; black is left out because a black band
# dominates a stacked area. Firms take colours in the order they are listed (agent id), so a firm
# keeps its colour from run to run of the same scenario.
FIRM_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442")
OTHER_FIRMS_COLOUR = "#999999"
SERIES_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")
# Design points and other categories: Okabe-Ito again, black included (lines, not areas).
CATEGORY_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
# Independent labs: Paul Tol's muted scheme, whose hues sit between Okabe-Ito's; in-house labs
# take their owner's colour (hatched), so an owner looks the same in both markets.
LAB_COLOURS = ("#332288", "#CC6677", "#DDCC77", "#117733", "#882255", "#44AA99", "#AA4499")
OTHER_LABS_COLOUR = "#BBBBBB"
IN_HOUSE_HATCH = "//"
SEQUENTIAL_CMAP = "viridis"
INK = "#333333"

# The bands of the US 2023 Merger Guidelines (Guideline 1), defined once in the scenario schema.
HHI_MAX = 10_000
HIGH_BAND_COLOUR = "#D55E00"
MODERATE_BAND_COLOUR = "#F0E442"

FONT_SIZE = 12
TITLE_SIZE = 14
SLIDE = (14.0, 8.0)
"""Size in inches of a full-slide figure (16:9-ish; 2100 x 1200 pixels at 150 dpi)."""
WIDE = (14.0, 6.5)
"""Size in inches of a one-row figure."""


@dataclasses.dataclass(frozen=True)
class MetricStyle:
    """How a metric is labelled and scaled on an axis.

    Attributes:
        label: What the metric is, in words.
        unit: Its unit on the axis (after ``scale``).
        scale: Factor from the stored value to the plotted one (100 for shares shown in %).
        bounds: The range of the stored value (a share is within [0, 1]); intervals drawn for it
            are clipped to this range.
    """

    label: str
    unit: str
    scale: float = 1.0
    bounds: tuple[float, float] = (-math.inf, math.inf)

    @property
    def axis_label(self) -> str:
        """``label (unit)``, the text of an axis (a dollar sign escaped: "$" pairs start mathtext)."""
        return f"{self.label} ({self.unit})".replace("$", r"\$")


_HHI = "HHI, 0-10,000"
UNIT = (0.0, 1.0)
HHI_RANGE = (0.0, float(HHI_MAX))
NON_NEGATIVE = (0.0, math.inf)
METRICS: dict[str, MetricStyle] = {
    "cloud_hhi": MetricStyle("cloud HHI, AI compute revenue", _HHI, bounds=HHI_RANGE),
    "capacity_hhi": MetricStyle("HHI of AI capacity", _HHI, bounds=HHI_RANGE),
    "cloud_market_hhi": MetricStyle("HHI of the whole cloud market", _HHI, bounds=HHI_RANGE),
    "model_hhi": MetricStyle("AI model market HHI", _HHI, bounds=HHI_RANGE),
    "cloud_cr1": MetricStyle("largest cloud's share", "% of AI compute revenue", 100, bounds=UNIT),
    "cloud_cr3": MetricStyle(
        "three largest clouds' share", "% of AI compute revenue", 100, bounds=UNIT
    ),
    "model_cr1": MetricStyle("largest lab's share", "% of model revenue", 100, bounds=UNIT),
    "effective_clouds": MetricStyle(
        "effective number of clouds", "firms, 10,000 / HHI", bounds=NON_NEGATIVE
    ),
    "active_labs": MetricStyle("active labs", "labs", bounds=NON_NEGATIVE),
    "lab_entries": MetricStyle("lab entries", "labs per quarter", bounds=NON_NEGATIVE),
    "lab_exits": MetricStyle("lab exits", "labs per quarter", bounds=NON_NEGATIVE),
    "locked_share": MetricStyle(
        "locked-in spend", "% of independent labs' compute spend", 100, bounds=UNIT
    ),
    "contracted_share": MetricStyle(
        "contracted spend", "% of independent labs' compute spend", 100, bounds=UNIT
    ),
    "max_provider_share": MetricStyle(
        "largest-provider share", "% of a lab's compute spend", 100, bounds=UNIT
    ),
    "switching_rate": MetricStyle(
        "switching rate", "% of compute moved per year", 100, bounds=NON_NEGATIVE
    ),
    "switching_cost_ratio": MetricStyle(
        "cost of leaving", "x annual compute spend", bounds=NON_NEGATIVE
    ),
    "roundtrip_ratio": MetricStyle(
        "round-trip ratio", "% of cumulative investment", 100, bounds=UNIT
    ),
    "circular_revenue_share": MetricStyle(
        "round-tripped revenue", "% of AI compute revenue", 100, bounds=UNIT
    ),
    "utilization": MetricStyle("utilization", "% of compute capacity", 100, bounds=UNIT),
    "unmet_share": MetricStyle("unmet demand", "% of compute needed", 100, bounds=UNIT),
    "inference_share": MetricStyle(
        "inference share of compute", "% of compute served to labs", 100, bounds=UNIT
    ),
    "written_off": MetricStyle("written off", "$B per quarter", bounds=NON_NEGATIVE),
    "ledger_imbalance": MetricStyle("largest ledger imbalance", "$B", bounds=NON_NEGATIVE),
    "ai_market": MetricStyle(
        "end-user AI spending demanded", "$B per quarter", bounds=NON_NEGATIVE
    ),
    "end_user_spend": MetricStyle("end-user AI spending", "$B per quarter", bounds=NON_NEGATIVE),
    "adoption_trend": MetricStyle(
        "adoption trend of AI spending", "$B per quarter", bounds=NON_NEGATIVE
    ),
    "consumer_surplus": MetricStyle("consumer surplus vs the reference path", "$B per quarter"),
    "outside_share": MetricStyle("outside option's share", "% of AI spending", 100, bounds=UNIT),
    "capacity_gw": MetricStyle("installed AI capacity", "GW", bounds=NON_NEGATIVE),
    "capex": MetricStyle("capex", "$B per quarter", bounds=NON_NEGATIVE),
    "compute_price_index": MetricStyle(
        "price of a unit of compute", "index, start = 1", bounds=NON_NEGATIVE
    ),
    "compute_per_gw": MetricStyle("compute per GW", "eGW per GW, start = 1", bounds=NON_NEGATIVE),
    "supply_pressure": MetricStyle(
        "pressure on the supply curve", "% of the GW that can arrive", 100, bounds=UNIT
    ),
    "hyperscaler_investment": MetricStyle(
        "hyperscaler investment in labs", "$B per quarter", bounds=NON_NEGATIVE
    ),
    "independent_investment": MetricStyle(
        "independent investment in labs", "$B per quarter", bounds=NON_NEGATIVE
    ),
    "acquisitions": MetricStyle("acquisitions", "per quarter", bounds=NON_NEGATIVE),
    "hyperscaler_failures": MetricStyle("hyperscaler failures", "per quarter", bounds=NON_NEGATIVE),
}
"""Label, unit and scale of every metric of docs/model.md section 8."""


METRIC_COLOURS: dict[str, str] = {
    # HHIs: Okabe-Ito.
    "cloud_hhi": "#0072B2",
    "model_hhi": "#D55E00",
    "capacity_hhi": "#009E73",
    "cloud_market_hhi": "#CC79A7",
    # Lock-in: Okabe-Ito's other hues, then Paul Tol's muted scheme, so that no two metrics drawn
    # in one panel share a colour and no metric changes colour from one figure to the next.
    "locked_share": "#E69F00",
    "contracted_share": "#56B4E9",
    "max_provider_share": "#332288",
    "switching_rate": "#882255",
    # Circularity.
    "roundtrip_ratio": "#117733",
    "circular_revenue_share": "#AA4499",
}
"""The colour of each metric drawn as a line, the same in every figure of the app and the report."""


def metric_colour(metric: str, position: int = 0) -> str:
    """A metric's colour; a metric without one takes the series palette's colour at ``position``."""
    return METRIC_COLOURS.get(metric, SERIES_COLOURS[position % len(SERIES_COLOURS)])


def hhi_band(hhi: float) -> str:
    """The US 2023 Merger Guidelines' words for an HHI: ``highly concentrated`` above 1,800."""
    if hhi > HHI_HIGH:
        return "highly concentrated"
    return "moderately concentrated" if hhi >= HHI_MODERATE else "unconcentrated"


def quarter_label(year: float) -> str:
    """A calendar time in years as its quarter: ``2027.25`` -> ``"2027Q2"``."""
    quarters = round(4 * year)
    return f"{quarters // 4}Q{quarters % 4 + 1}"


FIRM_METRICS: dict[str, MetricStyle] = {
    "cloud_share": MetricStyle("{firm}'s share of AI compute revenue", "%", 100, bounds=UNIT),
    "cloud_market_share": MetricStyle(
        "{firm}'s share of the whole cloud market", "%", 100, bounds=UNIT
    ),
    "roundtrip_ratio": MetricStyle("{firm}'s round-trip ratio", "% of its investment", 100),
    "debt": MetricStyle("{firm}'s debt", "$B", bounds=NON_NEGATIVE),
    "interest_rate": MetricStyle("{firm}'s interest rate", "% a year", 100, bounds=NON_NEGATIVE),
    "stake_value": MetricStyle("{firm}'s stakes in labs", "$B", bounds=NON_NEGATIVE),
    "model_share": MetricStyle("{firm}'s share of labs' revenue", "%", 100, bounds=UNIT),
    "locked_share": MetricStyle(
        "{firm}'s locked-in spend", "% of its compute spend", 100, bounds=UNIT
    ),
    "revenue": MetricStyle("{firm}'s revenue", "$B per quarter", bounds=NON_NEGATIVE),
    "valuation": MetricStyle("{firm}'s valuation", "$B", bounds=NON_NEGATIVE),
    "lab_debt": MetricStyle("{firm}'s debt", "$B", bounds=NON_NEGATIVE),
    "exited": MetricStyle("{firm} has exited", "% of runs", 100, bounds=UNIT),
}
"""Styles of the per-firm metrics ``NAME[FIRM]`` (``{firm}`` is replaced by the firm's name)."""


def metric_style(metric: str) -> MetricStyle:
    """The style of a metric; an unknown one is labelled by its name, unscaled."""
    if metric in METRICS:
        return METRICS[metric]
    name, bracket, firm = metric.partition("[")
    if bracket and firm.endswith("]") and name in FIRM_METRICS:
        style = FIRM_METRICS[name]
        return dataclasses.replace(style, label=style.label.format(firm=firm[:-1]))
    return MetricStyle(metric.replace("_", " "), "as stored")


def effect_unit(metric: str) -> str:
    """The unit of a difference of a metric: percentage points for a share shown in %."""
    unit = metric_style(metric).unit
    if unit.startswith("%"):
        return "pp" + unit[1:]
    return unit


def is_hhi(metric: str) -> bool:
    """Whether a metric is an HHI (drawn against the merger-guideline thresholds)."""
    return metric.endswith("_hhi")


def firm_colours(agents: pd.DataFrame) -> dict[str, str]:
    """Colour of every hyperscaler: palette colours in agent-id order, grey beyond the palette.

    Args:
        agents: Agents table with ``agent_id``, ``name`` and ``kind``.

    Returns:
        Firm name to hex colour; the same firm gets the same colour in every figure of a run.
    """
    clouds = agents.loc[agents["kind"] == "hyperscaler", ["agent_id", "name"]]
    names = clouds.drop_duplicates("agent_id").sort_values("agent_id")["name"].astype(str)
    return {
        name: FIRM_COLOURS[i] if i < len(FIRM_COLOURS) else OTHER_FIRMS_COLOUR
        for i, name in enumerate(names)
    }


def thousands(value: float, _position: object = None) -> str:
    """Tick text with a thousands separator: ``1,800``."""
    return f"{value:,.0f}"


THOUSANDS = FuncFormatter(thousands)


def finish_axes(ax: Axes, *, grid: bool = True) -> None:
    """The house style of a data panel: tick size, light grid behind the data."""
    ax.tick_params(labelsize=FONT_SIZE - 1)
    if grid:
        ax.grid(True, color="#DDDDDD", linewidth=0.6)
        ax.set_axisbelow(True)


def panel_title(ax: Axes, text: str) -> None:
    """A panel title, left-aligned like every panel title."""
    ax.set_title(text, fontsize=TITLE_SIZE, loc="left")


def legend_beside(ax: Axes, handles: list, **options: object) -> None:
    """Add a legend of ``handles`` beside the panel, unless there is nothing to name.

    Beside, not inside: a stack fills its panel and lines of a long run cross everywhere, so any
    place inside would hide data. Matplotlib warns on an empty legend, hence the check.
    """
    if handles:
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.04, 1.0),  # clear of the last tick label
            fontsize=FONT_SIZE - 2,
            framealpha=0.9,
            **options,
        )


def draw_hhi_bands(ax: Axes, *, horizontal: bool = True) -> None:
    """Shade the moderately and highly concentrated bands and draw their dashed thresholds.

    Args:
        ax: The panel; HHI runs along its y axis (``horizontal``) or its x axis.
        horizontal: Whether the bands are horizontal (HHI on the y axis).
    """
    span, line = (ax.axhspan, ax.axhline) if horizontal else (ax.axvspan, ax.axvline)
    span(HHI_MODERATE, HHI_HIGH, color=MODERATE_BAND_COLOUR, alpha=0.18, linewidth=0)
    span(HHI_HIGH, HHI_MAX, color=HIGH_BAND_COLOUR, alpha=0.10, linewidth=0)
    for level in (HHI_MODERATE, HHI_HIGH):
        line(level, color="#555555", linestyle="--", linewidth=1)


def hhi_band_handles() -> list[Patch]:
    """Legend entries of the two HHI bands."""
    return [
        Patch(color=HIGH_BAND_COLOUR, alpha=0.25, label="highly concentrated\n(> 1,800)"),
        Patch(
            color=MODERATE_BAND_COLOUR, alpha=0.4, label="moderately concentrated\n(1,000-1,800)"
        ),
    ]


HHI_LEGEND_TITLE = "bands: US 2023\nMerger Guidelines"


def new_figure(size: tuple[float, float] = SLIDE, *, title: str | None = None) -> Figure:
    """An empty figure of slide size with constrained layout and an optional title."""
    figure = Figure(figsize=size, layout="constrained")
    if title:
        figure.suptitle(title, fontsize=TITLE_SIZE + 2)
    return figure


def empty_panel(ax: Axes, message: str) -> None:
    """Say in the panel why there is nothing to draw, instead of an empty frame."""
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=FONT_SIZE, color=INK, wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])


def short_name(path: str) -> str:
    """The last part of a dotted parameter path: ``deals.commitment_multiple`` -> ``commitment_multiple``."""
    return path.rsplit(".", 1)[-1]


def join_names(names: Iterable[str]) -> str:
    """``a, b and c``."""
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def run_title(manifest: Mapping[str, Any]) -> str:
    """``scenario - rules - seed - years``, the title line of every figure of a run."""
    rules = manifest.get("rules_preset") or "scenario rules"
    name = manifest.get("scenario_name", "run")
    return (
        f"{name} - {rules} - seed {manifest.get('seed', '?')} - {manifest.get('years', '?')} years"
    )
