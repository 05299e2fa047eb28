"""Scenario discovery over a sweep: which factor values lead a metric past a threshold (PRIM).

The inputs are the sweep's factors, one row per finished run; the outcome is whether the run's
metric is past the threshold at a time (default: the horizon). PRIM (the patient rule induction
method of Friedman & Fisher 1999, as EMA Workbench implements it for scenario discovery, Bryant &
Lempert 2010) peels the factor space, a few percent of the runs at a time, towards the runs of
interest. Each step is a box: a range per factor (a set of values for a categorical one), with

- **coverage**: the share of the runs of interest that are in the box;
- **density**: the share of the runs in the box that are of interest;
- **mass**: the share of all runs that are in the box.

Peeling trades coverage for density. The box shown is the one with the highest harmonic mean of
coverage and density (the F1 score of "in the box" as a prediction of "past the threshold"), unless
another is asked for: later boxes are denser but often restrict a factor that does not matter,
to shed the last few runs that are not of interest.

Needs the optional extra: ``pip install 'computemarket[ema]'``.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from computemarket.results.errors import ResultsError
from computemarket.results.load import SweepResults, when_text
from computemarket.results.style import (
    CATEGORY_COLOURS,
    FONT_SIZE,
    INK,
    SEQUENTIAL_CMAP,
    WIDE,
    finish_axes,
    metric_style,
    new_figure,
    panel_title,
)
from computemarket.store.schema import parameter_unit

INSTALL = "pip install 'computemarket[ema]'"
"""How to install what ``discover`` needs."""


@dataclasses.dataclass(frozen=True)
class Discovery:
    """PRIM's boxes for one outcome of a sweep.

    Attributes:
        metric: The metric.
        threshold: The threshold.
        below: Whether the runs of interest are below it (else above).
        when: The time, in words (``2036``, ``10 years in``, ``the horizon (20 years in)``).
        runs: Runs analysed (finished, with a value of the metric at that time).
        hits: Runs of interest among them.
        trajectory: One row per box of the peeling trajectory: ``box``, ``coverage``,
            ``density``, ``mass``, ``runs`` (in the box), ``restricted`` (number of factors)
            and ``factors`` (their names).
        chosen: The box shown.
        limits: One row per factor the chosen box restricts: ``factor``, ``unit``, ``low`` and
            ``high`` (a numeric factor), ``values`` (a categorical one: those kept), ``range``
            (the factor's values in the sweep) and ``quasi_p`` (Bryant & Lempert's one-sided
            binomial test of the restriction; small: the restriction matters).
        factors: Every factor, in the sweep's order, with ``low`` and ``high`` of the chosen
            box over its whole range (for the figure): ``factor``, ``kind`` (``numeric`` or
            ``categorical``), ``box`` and ``full`` (pairs, or sets of values).
    """

    metric: str
    threshold: float
    below: bool
    when: str
    runs: int
    hits: int
    trajectory: pd.DataFrame
    chosen: int
    limits: pd.DataFrame
    factors: pd.DataFrame

    @property
    def condition(self) -> str:
        """``cloud_hhi > 1800``."""
        return f"{self.metric} {'<' if self.below else '>'} {self.threshold:g}"


def _prim() -> Any:
    """EMA Workbench's PRIM module, imported without its warning about ipyparallel."""
    with warnings.catch_warnings():
        # EMA warns on import when the optional ipyparallel is missing; its other parts work.
        warnings.filterwarnings("ignore", message="ipyparallel not installed")
        try:
            from ema_workbench.analysis import prim
        except ImportError:
            raise ResultsError(
                f"discover needs EMA Workbench, an optional extra: {INSTALL}"
            ) from None
    return prim


def _inputs(sweep: SweepResults, values: pd.DataFrame) -> pd.DataFrame:
    """The factors as PRIM reads them: numbers as floats, anything else as a category.

    Integers are passed as floats too: EMA's PRIM pastes a box limit halfway between two values
    (6.5 labs) into a frame of the column's dtype, which pandas refuses for an int64 column. A
    limit between two whole numbers reads as "7 or more" or "6 or fewer".

    Columns are renamed ``x0``, ``x1``, ...: EMA drops a column named ``scenario`` (its own
    name for the scenario index), which is also a factor's name here.
    """
    inputs = {}
    for i, factor in enumerate(sweep.factors):
        column = values[factor]
        if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
            inputs[f"x{i}"] = column.astype(str).astype("category")
        else:
            inputs[f"x{i}"] = column.astype("float64")
    return pd.DataFrame(inputs, index=values.index)


def _restricted(box: pd.DataFrame, initial: pd.DataFrame, column: str) -> bool:
    if isinstance(initial[column].iloc[0], set):
        return box[column].iloc[0] != initial[column].iloc[0]
    return bool(box[column].iloc[0] > initial[column].iloc[0]) or bool(
        box[column].iloc[1] < initial[column].iloc[1]
    )


def _best_box(trajectory: pd.DataFrame) -> int:
    """The box with the highest harmonic mean of coverage and density; ties: fewer factors."""
    c, d = trajectory["coverage"], trajectory["density"]
    score = (2 * c * d / (c + d)).where(c + d > 0, 0.0)
    order = pd.DataFrame({"score": score.round(12), "restricted": trajectory["restricted"]})
    best = order.sort_values(["score", "restricted"], ascending=[False, True], kind="stable")
    return int(trajectory.loc[best.index[0], "box"])


def discover(
    sweep: SweepResults,
    metric: str,
    threshold: float,
    *,
    below: bool = False,
    year: float | None = None,
    after: float | None = None,
    box: int | None = None,
) -> Discovery:
    """Run PRIM over a sweep's factors for the runs whose metric is past a threshold.

    Args:
        sweep: A loaded sweep.
        metric: A metric the sweep kept, e.g. ``cloud_hhi``.
        threshold: The threshold, in the metric's unit (e.g. 1800 HHI points).
        below: Runs of interest are those below the threshold (default: above).
        year: A calendar year (default: the horizon).
        after: Years from the start instead of ``year``.
        box: The box of the peeling trajectory to show (default: the best, see the module).

    Returns:
        The trajectory and the chosen box.

    Raises:
        ResultsError: If EMA Workbench is not installed, the sweep has no factor that varies,
            the metric or time is not in the sweep, no run or every run is past the threshold,
            or ``box`` is not on the trajectory.
    """
    prim = _prim()
    if not sweep.factors:
        raise ResultsError(
            f"{sweep.directory}: the sweep has no factors; discover finds the factor values "
            "that lead past a threshold, so it needs a sweep with [factors]"
        )
    (metric,) = sweep._check_metrics([metric])
    values = sweep.at(year, after=after)
    values = values[values[metric].notna()].reset_index(drop=True)
    when = when_text(year, after, sweep.years)
    if values.empty:
        raise ResultsError(f"{sweep.directory}: no finished run has {metric} at {when}")
    outcome = (values[metric] < threshold) if below else (values[metric] > threshold)
    hits, runs = int(outcome.sum()), len(values)
    if hits in (0, runs):
        side = "below" if below else "above"
        who = "no run" if hits == 0 else "every run"
        low, high = values[metric].min(), values[metric].max()
        raise ResultsError(
            f"{sweep.directory}: {who} of {runs} is {side} {threshold:g} in {metric} at {when} "
            f"(it ranges from {low:.4g} to {high:.4g}); PRIM needs runs on both sides: "
            "choose a threshold in that range"
        )
    x = _inputs(sweep, values)
    if all(x[column].nunique() < 2 for column in x):
        raise ResultsError(
            f"{sweep.directory}: no factor takes more than one value in the finished runs; "
            "finish the sweep (computemarket sweep ... --resume) before discover"
        )
    with warnings.catch_warnings():
        # EMA's own use of deprecated pandas features is not ours to fix or to show.
        warnings.filterwarnings("ignore", module=r"ema_workbench(\..*)?$")
        algorithm = prim.Prim(x, outcome.to_numpy(dtype=int))
        found = algorithm.find_box()
    names = dict(zip(x.columns, sweep.factors, strict=True))
    initial = algorithm.box_init
    trajectory = _trajectory(found, initial, names)
    last = len(trajectory) - 1
    if box is not None and not 0 <= box <= last:
        raise ResultsError(f"--box {box}: the peeling trajectory has boxes 0 to {last}")
    chosen = _best_box(trajectory) if box is None else box
    return Discovery(
        metric=metric,
        threshold=threshold,
        below=below,
        when=when,
        runs=runs,
        hits=hits,
        trajectory=trajectory,
        chosen=chosen,
        limits=_limits(found, chosen, initial, names),
        factors=_extent(found.box_lims[chosen], initial, names),
    )


def _trajectory(found: Any, initial: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    rows = []
    for i, (stats, limits) in enumerate(
        zip(found.peeling_trajectory.to_dict("records"), found.box_lims, strict=True)
    ):
        restricted = [names[c] for c in names if _restricted(limits, initial, c)]
        rows.append(
            {
                "box": i,
                "coverage": float(stats["coverage"]),
                "density": float(stats["density"]),
                "mass": float(stats["mass"]),
                "runs": int(stats["n"]),
                "restricted": len(restricted),
                "factors": ", ".join(restricted),
            }
        )
    return pd.DataFrame(rows)


def _range_text(initial: pd.DataFrame, column: str) -> str:
    full = initial[column]
    if isinstance(full.iloc[0], set):
        return ", ".join(sorted(map(str, full.iloc[0])))
    return f"{full.iloc[0]:.4g} to {full.iloc[1]:.4g}"


def _limits(found: Any, i: int, initial: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    box, quasi_p = found.box_lims[i], found.p_values[i]
    rows = []
    for column, factor in names.items():
        if not _restricted(box, initial, column):
            continue
        categorical = isinstance(box[column].iloc[0], set)
        tests = [p for p in quasi_p.get(column, []) if p is not None and p >= 0]
        rows.append(
            {
                "factor": factor,
                "unit": parameter_unit(factor),
                "low": math.nan if categorical else float(box[column].iloc[0]),
                "high": math.nan if categorical else float(box[column].iloc[1]),
                "values": ", ".join(sorted(map(str, box[column].iloc[0]))) if categorical else "",
                "range": _range_text(initial, column),
                "quasi_p": max(tests) if tests else math.nan,
            }
        )
    return pd.DataFrame(
        rows, columns=["factor", "unit", "low", "high", "values", "range", "quasi_p"]
    )


def _extent(box: pd.DataFrame, initial: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    rows = []
    for column, factor in names.items():
        categorical = isinstance(initial[column].iloc[0], set)
        rows.append(
            {
                "factor": factor,
                "kind": "categorical" if categorical else "numeric",
                "box": box[column].iloc[0] if categorical else tuple(box[column].astype(float)),
                "full": initial[column].iloc[0]
                if categorical
                else tuple(initial[column].astype(float)),
                "restricted": _restricted(box, initial, column),
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------- text
def trajectory_text(discovery: Discovery) -> pd.DataFrame:
    """The peeling trajectory as printed: shares in %, the chosen box marked."""
    table = discovery.trajectory.copy()
    table.insert(0, "", np.where(table["box"] == discovery.chosen, "*", ""))
    for column in ("coverage", "density", "mass"):
        table[column] = (100 * table[column]).map(lambda v: f"{v:.1f}%")
    return table


def limits_text(discovery: Discovery) -> pd.DataFrame:
    """The chosen box's limits as printed: the box's range or values beside the sweep's."""
    rows = []
    for row in discovery.limits.itertuples(index=False):
        box = row.values if row.values else f"{row.low:.4g} to {row.high:.4g}"
        quasi_p = "" if math.isnan(row.quasi_p) else f"{row.quasi_p:.2g}"
        rows.append(
            {
                "factor": row.factor,
                "box": box,
                "sweep": row.range,
                "unit": row.unit,
                "quasi-p": quasi_p,
            }
        )
    return pd.DataFrame(rows, columns=["factor", "box", "sweep", "unit", "quasi-p"])


# -------------------------------------------------------------------------------------- figure
def discovery_figure(discovery: Discovery, title: str) -> Figure:
    """The peeling trajectory (coverage against density) and the chosen box, factor by factor.

    Args:
        discovery: What :func:`discover` found.
        title: The sweep's title line.

    Returns:
        A one-row figure of two panels.
    """
    label = metric_style(discovery.metric).label
    side = "below" if discovery.below else "above"
    figure = new_figure(
        WIDE,
        title=f"Scenario discovery (PRIM): {label} {side} {discovery.threshold:,g} at "
        f"{discovery.when}: {discovery.hits} of {discovery.runs} runs\n{title}",
    )
    trade, box = figure.subplots(1, 2, width_ratios=[1, 1.3])
    _draw_trajectory(trade, discovery)
    _draw_box(box, discovery)
    return figure


def _draw_trajectory(ax: Any, discovery: Discovery) -> None:
    trajectory = discovery.trajectory
    ax.plot(trajectory["coverage"], trajectory["density"], color="#BBBBBB", linewidth=1, zorder=1)
    most = max(int(trajectory["restricted"].max()), 1)
    points = ax.scatter(
        trajectory["coverage"],
        trajectory["density"],
        c=trajectory["restricted"],
        cmap=SEQUENTIAL_CMAP,
        vmin=0,
        vmax=most,
        s=36,
        zorder=2,
    )
    chosen = trajectory.loc[trajectory["box"] == discovery.chosen].iloc[0]
    ax.scatter(
        [chosen["coverage"]],
        [chosen["density"]],
        s=220,
        facecolors="none",
        edgecolors=INK,
        linewidths=2,
        zorder=3,
    )
    ax.annotate(
        f"box {discovery.chosen}",
        (chosen["coverage"], chosen["density"]),
        xytext=(-14, -18),
        textcoords="offset points",
        ha="right",
        fontsize=FONT_SIZE,
        color=INK,
    )
    colour_bar = ax.figure.colorbar(points, ax=ax, ticks=range(most + 1))
    colour_bar.set_label("factors restricted", fontsize=FONT_SIZE - 1)
    ax.set_xlabel("coverage (% of the runs of interest in the box)", fontsize=FONT_SIZE)
    ax.set_ylabel("density (% of the box's runs of interest)", fontsize=FONT_SIZE)
    for column, axis, limits in (
        ("coverage", ax.xaxis, ax.set_xlim),
        ("density", ax.yaxis, ax.set_ylim),
    ):
        low = max(0.0, min(0.8, float(trajectory[column].min()) - 0.05))
        limits(low, 1.02)
        ticks = MaxNLocator(6).tick_values(low, 1.0)
        axis.set_ticks([t for t in ticks if low <= t <= 1.0 + 1e-9])
        axis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    panel_title(ax, "(a) Peeling trajectory: from all runs (right) to denser boxes")
    finish_axes(ax)


def _draw_box(ax: Any, discovery: Discovery) -> None:
    factors = discovery.factors
    chosen = discovery.trajectory.loc[discovery.trajectory["box"] == discovery.chosen].iloc[0]
    colour = CATEGORY_COLOURS[0]
    for y, row in enumerate(factors.itertuples(index=False)):
        ax.barh(y, 1.0, left=0.0, height=0.5, color="#E5E5E5", zorder=1)
        if row.kind == "numeric":
            (full_low, full_high), (low, high) = row.full, row.box
            span = (full_high - full_low) or 1.0
            start, stop = (low - full_low) / span, (high - full_low) / span
            ax.barh(y, stop - start, left=start, height=0.5, color=colour, zorder=2)
            text = f"{low:.3g} to {high:.3g}" if row.restricted else "not restricted"
            ax.text(1.02, y, text, va="center", fontsize=FONT_SIZE - 1, color=INK)
            ax.text(-0.02, y - 0.42, f"{full_low:.3g}", ha="left", fontsize=FONT_SIZE - 3)
            ax.text(1.0, y - 0.42, f"{full_high:.3g}", ha="right", fontsize=FONT_SIZE - 3)
        else:
            every = sorted(map(str, row.full))
            kept = set(map(str, row.box))
            width = 1.0 / len(every)
            for k, value in enumerate(every):
                if value in kept:
                    ax.barh(y, width * 0.9, left=k * width, height=0.5, color=colour, zorder=2)
                ax.text((k + 0.45) * width, y - 0.42, value, ha="center", fontsize=FONT_SIZE - 3)
            text = ", ".join(sorted(kept)) if row.restricted else "not restricted"
            ax.text(1.02, y, text, va="center", fontsize=FONT_SIZE - 1, color=INK)
    units = [parameter_unit(name) for name in factors["factor"]]
    labels = [
        name if unit == "-" else f"{name}\n({unit})"
        for name, unit in zip(factors["factor"], units, strict=True)
    ]
    ax.set_yticks(range(len(factors)), labels, fontsize=FONT_SIZE - 1)
    ax.set_ylim(len(factors) - 0.4, -0.7)
    ax.set_xlim(-0.02, 1.45)
    ax.set_xticks([])
    for spine in ("top", "right", "bottom"):
        ax.spines[spine].set_visible(False)
    panel_title(
        ax,
        f"(b) Box {discovery.chosen}: coverage {chosen['coverage']:.0%}, density "
        f"{chosen['density']:.0%}, mass {chosen['mass']:.0%}",
    )
