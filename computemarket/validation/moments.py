"""Simulated moments: from a run's tables (or a sweep's) to the table of observed targets' keys.

The observed targets live in the package as data, ``computemarket/data/targets_2024_2025.csv``: one
row per ``(series, entity, period)`` with the observed value, its unit and source, its ``role``
(``fitted``: used to set an input; ``held_out``: not used) and its error measure. :func:`moments`
computes the same keys from simulated runs, so that the backcast, sweeps and a later estimator share
one definition of every moment.

Periods are calendar periods read from the metrics' ``year`` column (2023.75 is 2023Q4): a quarter
(``2025Q4``), a year (``2024``: all its quarters), a span of years (``2024-2025``) or, for a ratio, two
quarters (``2024Q1-2025Q4``). Series:

- ``cloud_market_share`` (%, entity a provider): ``cloud_market_share[NAME]`` x 100 in the quarter;
- ``cloud_market_hhi`` (HHI points): ``cloud_market_hhi`` in the quarter;
- ``cloud_market_size`` ($B per quarter): the whole cloud market, read back from any provider that
  owns no lab, as its cloud revenue (non-AI plus AI compute revenue) over its whole-market share;
- ``lab_revenue_annualised`` ($B annualised, entity a listed lab): 4 x ``revenue[NAME]`` in the quarter;
- ``capex`` ($B, entity provider names joined by ``+``, or ``World`` for all): capex summed over the
  period's quarters and the providers;
- ``lab_compute_gw`` (GW, entity a lab): the lab's compute spend over the capacity-weighted mean price
  of the providers alive in the quarter (an approximation: discounts, take-or-pay and in-house cost
  make a lab's price differ from the mean), which gives compute in eGW, over the fleet's
  ``compute_per_gw`` in the quarter (eGW per GW of power);
- ``acquisitions`` (labs): acquisitions summed over the period;
- ``price_ratio`` (end / start): capacity-weighted mean price at the second quarter of the period over
  that at the first;
- ``provider_revenue`` ($B per quarter, entity a provider): non-AI plus AI compute revenue.

Moments that need the agents table are NaN for runs that have only metrics (a sweep's store keeps
metrics only), and every moment is NaN when the run does not cover its period.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from computemarket.experiments.worker import RUN_COLUMNS

TARGETS_FILE = "targets_2024_2025.csv"
"""The observed targets of the backcast, in ``computemarket/data``."""
KEYS = ("series", "entity", "period")
"""The columns that identify a target and its simulated moment."""
TARGET_COLUMNS = (*KEYS, "observed", "unit", "role", "error_measure", "tolerance", "source", "note")
ROLES = ("fitted", "held_out")
ERROR_MEASURES = ("absolute", "relative")


@dataclass(frozen=True)
class RunTables:
    """The tables of one run that moments read; ``agents`` and ``deals`` may be absent."""

    metrics: pd.DataFrame
    agents: pd.DataFrame | None = None
    deals: pd.DataFrame | None = None


# ------------------------------------------------------------------------------------------ targets
def load_targets(path: str | Path | None = None) -> pd.DataFrame:
    """Read and check a targets table (by default the package's ``targets_2024_2025.csv``).

    Args:
        path: A CSV file with the columns of :data:`TARGET_COLUMNS`; ``None`` reads the shipped one.

    Returns:
        One row per target.

    Raises:
        ValueError: If a column is missing, a key repeats, a role, error measure or series is unknown,
            or a value is not a number (the message names the file, row and field).
    """
    if path is None:
        with (
            resources.files("computemarket.data").joinpath(TARGETS_FILE).open(encoding="utf-8") as f
        ):
            table, label = pd.read_csv(f, keep_default_na=False), TARGETS_FILE
    else:
        table, label = pd.read_csv(path, keep_default_na=False), str(path)
    missing = [c for c in TARGET_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{label}: missing columns {missing} (expected {list(TARGET_COLUMNS)})")
    for field, allowed in (("role", ROLES), ("error_measure", ERROR_MEASURES), ("series", SERIES)):
        bad = table.index[~table[field].isin(allowed)]
        if len(bad):
            row = int(bad[0])
            raise ValueError(
                f"{label}: row {row + 2}: {field} {table.at[row, field]!r} not one of {sorted(allowed)}"
            )
    for field in ("observed", "tolerance"):
        values = pd.to_numeric(table[field], errors="coerce")
        if values.isna().any():
            row = int(values.index[values.isna()][0])
            raise ValueError(
                f"{label}: row {row + 2}: {field} {table.at[row, field]!r} is not a number"
            )
        table[field] = values.astype(float)
    if table.duplicated(list(KEYS)).any():
        row = int(table.index[table.duplicated(list(KEYS))][0])
        raise ValueError(
            f"{label}: row {row + 2}: the key {tuple(table.loc[row, list(KEYS)])} repeats"
        )
    return table.loc[:, list(TARGET_COLUMNS)].reset_index(drop=True)


# ------------------------------------------------------------------------------------------ periods
def quarter_labels(metrics: pd.DataFrame) -> pd.Series:
    """Calendar label (``2024Q1``) of every quarter of a run, indexed by the ``quarter`` column."""
    year = metrics["year"].to_numpy(dtype=float)
    whole = np.floor(year + 1e-9).astype(int)
    quarter = np.rint((year - whole) * 4).astype(int) + 1
    labels = [f"{y}Q{q}" for y, q in zip(whole, quarter, strict=True)]
    return pd.Series(labels, index=metrics["quarter"].to_numpy(), name="period")


def period_quarters(labels: pd.Series, period: str) -> list[int]:
    """The run's quarters inside a period (a quarter, a year or a span of years ``2024-2025``)."""
    if "Q" in period:
        return [int(q) for q in labels.index[labels == period]]
    first, _, last = period.partition("-")
    years = labels.str.slice(0, 4).astype(int)
    inside = (years >= int(first)) & (years <= int(last or first))
    return [int(q) for q in labels.index[inside.to_numpy()]]


def _one_quarter(labels: pd.Series, period: str) -> int | None:
    quarters = period_quarters(labels, period)
    return quarters[0] if len(quarters) == 1 else None


def _covers(labels: pd.Series, period: str, quarters: list[int]) -> bool:
    """Whether the run has every quarter of the period (a year needs its four quarters)."""
    if "Q" in period:
        return len(quarters) == 1
    first, _, last = period.partition("-")
    return len(quarters) == 4 * (int(last or first) - int(first) + 1)


# ------------------------------------------------------------------------------------------ moments
def _metric_at(column_of: Callable[[str], str], scale: float = 1.0) -> Callable[..., float]:
    def moment(tables: RunTables, labels: pd.Series, entity: str, period: str) -> float:
        q = _one_quarter(labels, period)
        column = column_of(entity)
        if q is None or column not in tables.metrics.columns:
            return np.nan
        row = tables.metrics.loc[tables.metrics["quarter"] == q, column]
        return float(row.iloc[0]) * scale if len(row) else np.nan

    return moment


def _providers(tables: RunTables, quarter: int) -> pd.DataFrame | None:
    if tables.agents is None:
        return None
    agents = tables.agents
    return agents[(agents["quarter"] == quarter) & (agents["kind"] == "hyperscaler")]


def _mean_price(providers: pd.DataFrame) -> float:
    alive = providers[providers["alive"] & (providers["capacity_gw"] > 0)]
    weight = alive["capacity_gw"].sum()
    return float((alive["price"] * alive["capacity_gw"]).sum() / weight) if weight > 0 else np.nan


def _cloud_market_size(tables: RunTables, labels: pd.Series, entity: str, period: str) -> float:
    q = _one_quarter(labels, period)
    providers = None if q is None else _providers(tables, q)
    if providers is None:
        return np.nan
    agents = tables.agents
    owners = set(agents.loc[(agents["quarter"] == q) & (agents["kind"] == "lab"), "owner"])
    free = providers[
        providers["alive"] & ~providers["name"].isin(owners) & (providers["cloud_market_share"] > 0)
    ]
    if free.empty:
        return np.nan
    sizes = (free["non_ai_revenue"] + free["revenue"]) / free["cloud_market_share"]
    return float(sizes.median())


def _capex(tables: RunTables, labels: pd.Series, entity: str, period: str) -> float:
    quarters = period_quarters(labels, period)
    if not _covers(labels, period, quarters):
        return np.nan
    if entity == "World":
        metrics = tables.metrics
        return float(metrics.loc[metrics["quarter"].isin(quarters), "capex"].sum())
    if tables.agents is None:
        return np.nan
    agents = tables.agents
    names = entity.split("+")
    chosen = agents[agents["quarter"].isin(quarters) & agents["name"].isin(names)]
    if set(chosen["name"]) != set(names):
        return np.nan
    return float(chosen["capex"].sum())


def _lab_compute_gw(tables: RunTables, labels: pd.Series, entity: str, period: str) -> float:
    q = _one_quarter(labels, period)
    providers = None if q is None else _providers(tables, q)
    if providers is None:
        return np.nan
    agents = tables.agents
    lab = agents[(agents["quarter"] == q) & (agents["name"] == entity) & (agents["kind"] == "lab")]
    price = _mean_price(providers)
    if lab.empty or not bool(lab["alive"].iloc[0]) or not price > 0:
        return np.nan
    metrics = tables.metrics
    per_gw = (
        metrics.loc[metrics["quarter"] == q, "compute_per_gw"]
        if "compute_per_gw" in metrics
        else []
    )
    egw_per_gw = float(per_gw.iloc[0]) if len(per_gw) else 1.0
    return float(lab["compute_spend"].iloc[0]) / price / egw_per_gw


def _acquisitions(tables: RunTables, labels: pd.Series, entity: str, period: str) -> float:
    quarters = period_quarters(labels, period)
    if not _covers(labels, period, quarters):
        return np.nan
    metrics = tables.metrics
    return float(metrics.loc[metrics["quarter"].isin(quarters), "acquisitions"].sum())


def _price_ratio(tables: RunTables, labels: pd.Series, entity: str, period: str) -> float:
    first, _, last = period.partition("-")
    q0, q1 = _one_quarter(labels, first), _one_quarter(labels, last)
    if q0 is None or q1 is None:
        return np.nan
    start, end = _providers(tables, q0), _providers(tables, q1)
    if start is None or end is None:
        return np.nan
    return _mean_price(end) / _mean_price(start)


def _provider_revenue(tables: RunTables, labels: pd.Series, entity: str, period: str) -> float:
    q = _one_quarter(labels, period)
    providers = None if q is None else _providers(tables, q)
    if providers is None:
        return np.nan
    row = providers[providers["name"] == entity]
    if row.empty or not bool(row["alive"].iloc[0]):
        return np.nan
    return float(row["non_ai_revenue"].iloc[0] + row["revenue"].iloc[0])


MOMENT_FUNCTIONS: dict[str, Callable[[RunTables, pd.Series, str, str], float]] = {
    "cloud_market_share": _metric_at(lambda name: f"cloud_market_share[{name}]", scale=100.0),
    "cloud_market_hhi": _metric_at(lambda name: "cloud_market_hhi"),
    "cloud_market_size": _cloud_market_size,
    "lab_revenue_annualised": _metric_at(lambda name: f"revenue[{name}]", scale=4.0),
    "capex": _capex,
    "lab_compute_gw": _lab_compute_gw,
    "acquisitions": _acquisitions,
    "price_ratio": _price_ratio,
    "provider_revenue": _provider_revenue,
}
"""Every series a target may name, with the function that computes it from one run."""
SERIES = tuple(MOMENT_FUNCTIONS)


# ------------------------------------------------------------------------------------------- runs
def _as_runs(runs: Any) -> list[tuple[dict[str, Any], RunTables]]:
    """Normalise a run, a mapping of tables, a sweep's metrics or a list of them to (labels, tables)."""
    if isinstance(runs, pd.DataFrame):
        present = [c for c in RUN_COLUMNS if c in runs.columns]
        if not present:
            return [({"run": 0}, RunTables(runs))]
        out = []
        for i, (key, metrics) in enumerate(runs.groupby(present, sort=True)):
            values = key if isinstance(key, tuple) else (key,)
            out.append(({"run": i, **dict(zip(present, values, strict=True))}, RunTables(metrics)))
        return out
    if hasattr(runs, "metrics") or isinstance(runs, Mapping):
        return [({"run": 0}, _tables(runs))]
    if isinstance(runs, Iterable):
        return [({"run": i}, _tables(run)) for i, run in enumerate(runs)]
    raise TypeError(f"moments: cannot read runs from a {type(runs).__name__}")


def _tables(run: Any) -> RunTables:
    if isinstance(run, RunTables):
        return run
    get = run.get if isinstance(run, Mapping) else lambda name: getattr(run, name, None)
    metrics = get("metrics")
    if not isinstance(metrics, pd.DataFrame):
        raise TypeError("moments: a run needs a metrics table")
    return RunTables(metrics, get("agents"), get("deals"))


def moments(runs: Any, targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """The simulated value of every target's moment, for every run.

    Args:
        runs: A :class:`~computemarket.simulation.runner.RunResult`, a mapping with a ``metrics``
            table (and optionally ``agents`` and ``deals``), a :class:`RunTables`, a sweep's metrics
            (rows of many runs told apart by their ``row``/``point``/``replicate``/``seed`` columns),
            or a list of runs.
        targets: The targets whose keys to compute (columns ``series``, ``entity``, ``period``);
            by default the shipped targets (:func:`load_targets`).

    Returns:
        One row per run and target: ``run`` (position, 0-based), the sweep's run columns if any,
        ``series``, ``entity``, ``period`` and ``simulated`` (NaN where the run cannot give it).

    Raises:
        ValueError: If a target names a series that has no moment function.
        TypeError: If ``runs`` is none of the accepted forms.
    """
    targets = load_targets() if targets is None else targets
    unknown = sorted(set(targets["series"]) - set(MOMENT_FUNCTIONS))
    if unknown:
        raise ValueError(f"moments: unknown series {unknown}; allowed: {sorted(MOMENT_FUNCTIONS)}")
    keys = targets.loc[:, list(KEYS)].to_records(index=False)
    rows = []
    for run_columns, tables in _as_runs(runs):
        labels = quarter_labels(tables.metrics)
        for series, entity, period in keys:
            value = MOMENT_FUNCTIONS[series](tables, labels, str(entity), str(period))
            rows.append(
                {
                    **run_columns,
                    "series": series,
                    "entity": entity,
                    "period": period,
                    "simulated": value,
                }
            )
    return pd.DataFrame(rows)
