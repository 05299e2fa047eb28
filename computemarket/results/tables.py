"""The summary tables of a report: a run's metrics over time and its firms, a sweep's points.

Pure functions from a stored run or a loaded sweep to small :class:`pandas.DataFrame` objects of
text, ready to print or to render as HTML.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from computemarket.results.figures_sweep import headline_metrics
from computemarket.results.load import SweepResults
from computemarket.results.style import is_hhi, metric_style, quarter_label, short_name
from computemarket.results.summary import wilson_interval
from computemarket.simulation.metrics import HHI_HIGH
from computemarket.store.runs import StoredRun

RUN_TABLE_METRICS = (
    "cloud_hhi",
    "capacity_hhi",
    "cloud_market_hhi",
    "model_hhi",
    "cloud_cr1",
    "effective_clouds",
    "active_labs",
    "locked_share",
    "max_provider_share",
    "switching_rate",
    "roundtrip_ratio",
    "circular_revenue_share",
    "utilization",
)
MAX_POINT_ROWS = 60


def format_value(metric: str, value: float) -> str:
    """A metric's value as text in its unit: ``2,345`` for an HHI, ``45.3%`` for a share."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    style = metric_style(metric)
    if is_hhi(metric):
        return f"{value:,.0f}"
    if style.scale == 100:
        return f"{100 * value:.1f}%"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def run_metrics_table(run: StoredRun) -> pd.DataFrame:
    """Headline metrics at the start, each quarter of the horizon and the end of a run.

    Returns:
        One row per metric (``metric``, ``unit``), one column per calendar time.
    """
    metrics = run.metrics
    last = int(metrics["quarter"].max())
    quarters = sorted({round(last * share) for share in (0, 0.25, 0.5, 0.75, 1.0)})
    rows = metrics.set_index("quarter").loc[quarters]
    table = {"metric": [], "unit": []}
    times = [quarter_label(year) for year in rows["year"]]
    for time in times:
        table[time] = []
    for metric in RUN_TABLE_METRICS:
        if metric not in rows:
            continue
        style = metric_style(metric)
        table["metric"].append(style.label)
        table["unit"].append(style.unit)
        for time, value in zip(times, rows[metric], strict=True):
            table[time].append(format_value(metric, float(value)))
    return pd.DataFrame(table)


def run_firms_table(run: StoredRun) -> pd.DataFrame:
    """Each hyperscaler at the end of a run: share, capacity, investment and its money coming back."""
    agents = run.agents
    last = agents[
        (agents["quarter"] == agents["quarter"].max()) & (agents["kind"] == "hyperscaler")
    ]
    rows = []
    for firm in last.sort_values("agent_id").itertuples():
        rows.append(
            {
                "hyperscaler": str(firm.name),
                "in business": "yes" if bool(firm.alive) else "failed",
                "AI compute share": f"{100 * float(firm.share):.1f}%",
                "capacity (GW)": f"{float(firm.capacity_gw):,.2f}",
                "invested in labs ($B, cumulative)": f"{float(firm.invested):,.1f}",
                "own money back as revenue ($B)": f"{float(firm.circular_revenue):,.1f}",
                "round-trip ratio": f"{100 * float(firm.roundtrip_ratio):.0f}%",
            }
        )
    return pd.DataFrame(rows)


def sweep_points_table(
    sweep: SweepResults, year: float | None = None, *, after: float | None = None
) -> pd.DataFrame:
    """Per design point at a year: factors, runs, mean and 95% interval of each headline metric.

    With ``cloud_hhi`` kept, a column gives the share of runs above 1,800 (Wilson interval).
    At most :data:`MAX_POINT_ROWS` points are listed (``computemarket summarize`` lists all).

    Returns:
        One row per point, values as text.
    """
    metrics = headline_metrics(sweep)
    summary = sweep.summary(metrics, year=year, after=after)
    table = summary.drop_duplicates("point")[["point", *sweep.factors, "n"]].set_index("point")
    for factor in sweep.factors:
        table[factor] = [
            f"{v:.4g}" if isinstance(v, int | float) else str(v) for v in table[factor]
        ]
    table = table.rename(columns={f: short_name(f) for f in sweep.factors} | {"n": "runs"})
    for metric in metrics:
        rows = summary[summary["metric"] == metric].set_index("point")
        table[metric_style(metric).label] = [
            _mean_interval(metric, row.mean, row.ci_low, row.ci_high) for row in rows.itertuples()
        ]
    if "cloud_hhi" in metrics:
        crossing = sweep.crossing("cloud_hhi", HHI_HIGH, year=year, after=after).set_index("point")
        table["P(cloud HHI > 1,800)"] = [
            _probability(round(row.p_at * row.n), int(row.n))
            for row in crossing.reindex(table.index).itertuples()
        ]
    return table.reset_index().head(MAX_POINT_ROWS)


def sensitivity_table(
    sweep: SweepResults,
    year: float | None = None,
    *,
    after: float | None = None,
    versus: tuple[str, object] | None = None,
) -> pd.DataFrame:
    """Sensitivity indices of each headline metric, one row per factor and metric, as text.

    A design crossed with a list factor has one block of rows per value (its first columns), or,
    with ``versus``, the indices of the paired effect against that value.
    """
    frames = []
    for metric in headline_metrics(sweep):
        indices = sweep.sensitivity(metric, year=year, after=after, versus=versus)
        label = metric_style(metric).label
        text = indices.assign(
            metric=label if versus is None else f"effect on {label}",
            factor=indices["factor"].map(short_name),
        )
        columns = list(indices.columns)
        blocks = columns[: columns.index("factor")]
        numbers = columns[columns.index("factor") + 1 :]
        for column in numbers:
            text[column] = [f"{v:.3g}" for v in indices[column]]
        frames.append(text[[*blocks, "metric", "factor", *numbers]])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _mean_interval(metric: str, mean: float, low: float, high: float) -> str:
    if np.isnan(low):
        return format_value(metric, mean)
    return f"{format_value(metric, mean)} ({format_value(metric, low)} to {format_value(metric, high)})"


def _probability(hits: int, n: int) -> str:
    if n == 0:
        return "-"
    low, high = wilson_interval(hits, n)
    return f"{100 * hits / n:.0f}% ({100 * low:.0f}-{100 * high:.0f}%)"
