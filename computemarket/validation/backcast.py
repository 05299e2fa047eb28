"""Backcast: ``calibrated-2023`` run over 2024Q1-2025Q4 on many seeds, against what happened.

The observed targets and their roles (``fitted``: used to set an input of ``calibrated-2023``;
``held_out``: not used) are data, declared before any run (:func:`~.moments.load_targets`). For every
target the seeds give a predictive distribution of its moment (:func:`~.moments.moments`); the row
reports the median and the 90% interval (5th-95th percentile over seeds) and:

- *inside*: whether the observation lies in the 90% interval (the coverage over held-out targets is
  reported on the page);
- *relative error*: median / observed - 1;
- the verdict: the observation lies in the 90% interval widened by the target's tolerance (its
  measurement error: absolute, or relative to the observation). A held-out target outside is a
  **miss**, a result to explain, not a failure of the command; a fitted target outside is a
  **fail** (the calibration did not do what it claims).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from computemarket.simulation.runner import run
from computemarket.validation.checks import Check
from computemarket.validation.moments import KEYS, load_targets, moments

SCENARIO = "calibrated-2023"
GROUP = "backcast (2024Q1-2025Q4, from calibrated-2023)"
INTERVAL = (0.05, 0.95)
"""Quantiles over seeds that bound the predictive interval (90%)."""

LABELS: dict[str, str] = {
    "cloud_market_share": "{entity} share of the cloud market",
    "cloud_market_hhi": "Cloud market HHI",
    "cloud_market_size": "Cloud market size",
    "lab_revenue_annualised": "{entity} annualised revenue",
    "capex": "Big-4 capex",
    "lab_compute_gw": "{entity} compute",
    "acquisitions": "Labs acquired by hyperscalers",
    "price_ratio": "Compute price, end / start",
    "provider_revenue": "{entity} revenue",
}
"""How each series is named in the table."""

_FROZEN_SHARES = (
    "shares hardly move in the model: a provider's whole-market share is mostly its non-AI cloud "
    "revenue, which grows at one common rate (`market.non_ai_cloud_growth`) for every provider, while "
    "the compute it sells to the modelled labs is a few percent of it. Google Cloud grew ~30-35% a year "
    "against AWS's ~17-20% (history_2022_2025.csv) on business the model does not represent "
    "(enterprise AI, data services, its own AI products). Missing feature: provider-specific growth of "
    "the business outside the labs."
)
MECHANISMS: dict[str | tuple[str, str], str] = {
    ("cloud_market_share", "Microsoft Azure"): (
        "mostly a definition break: Synergy re-based Microsoft during 2024 (25% in 2024Q1, 20% in "
        "2024Q3) while calibrated-2023 starts from the old basis (24%), and the model's shares hardly "
        "move (see Google Cloud)."
    ),
    "cloud_market_share": _FROZEN_SHARES,
    "cloud_market_size": (
        "non-AI cloud revenue grows at its 2023 rate (18%) and the labs' compute spend is small; "
        "Synergy puts about half of the market's growth since 2022 on GenAI, most of it sold to "
        "enterprises and used by the hyperscalers' own AI services, which the model leaves out."
    ),
    "cloud_market_hhi": (
        "follows from the frozen shares (AWS and Azure stay high, Google low) and from Azure's "
        "definition break."
    ),
    ("lab_revenue_annualised", "OpenAI"): (
        "two mechanisms: end-user AI spending grows at its late-2023 rate decaying with a 4-year "
        "e-folding time, slower than the leaders' revenue did; and OpenAI's share of it erodes fast. "
        "Quality is log effective compute, so labs far behind that get fresh money (Anthropic after "
        "Amazon's tranche, DeepMind) catch up within a few quarters, and the logit turns quality into "
        "share. Raising OpenAI's opening cash several-fold slows the erosion but does not stop it; "
        "the real OpenAI kept most of the consumer market."
    ),
    ("lab_revenue_annualised", "Anthropic"): (
        "the slow growth of the whole AI market (see OpenAI): Anthropic's 2024 is within tolerance "
        "but its 2025 comes out at about half the observed. Its real 2025 growth came from API and "
        "coding demand, a segment the single-market logit does not separate."
    ),
    "capex": (
        "the capex outside the labs follows one exogenous path whose starting growth was fitted to "
        "2024 (the one fitted target) and whose decay (1.5 years) was carried over from "
        "calibrated-2025; real capex kept growing fast in 2025 (+66%), faster than the decayed "
        "path, and the AI capex on top of it follows the labs' demand, itself low in 2025 (see "
        "the labs' revenue)."
    ),
    "lab_compute_gw": (
        "OpenAI's compute follows its revenue and cash in the model; the 2025 expansion came from "
        "multi-provider contracts signed in 2024-25 (Oracle, CoreWeave, Stargate) and rounds the "
        "model does not produce at that size."
    ),
    "acquisitions": (
        "the model acquires only insolvent labs of at least median quality, which its 2024-25 does "
        "not produce; "
        "the 2024 deals (Inflection, Adept, Character.AI) were licences plus hiring of most staff "
        "from labs that were not insolvent. Missing feature: acqui-hires (soft acquisitions)."
    ),
    "provider_revenue": (
        "62% of CoreWeave's 2024 revenue came from Microsoft renting its GPUs, a contract between a "
        "hyperscaler and a neocloud that the model cannot represent (only labs buy compute), and its "
        "2025 contracts with OpenAI ($22.4B) were signed after the start. Missing feature: "
        "providers buying capacity from each other (the Microsoft contract enters only as "
        "collateral, `outside_backlog`, and as non-AI revenue). CoreWeave also fails before "
        "2025Q3 in some runs: n counts the runs in which it is alive."
    ),
    "price_ratio": (
        "the model's price is per unit of compute (eGW), which falls as newer vintages arrive and "
        "as markups follow utilization; the observed series is the rental price of one GPU (the "
        "H100), which also falls as newer GPUs arrive, but may be set by other margins."
    ),
}
"""Likely mechanism behind a miss, by (series, entity) or by series (shown for the rows that miss).

Written after the first backcast, as analysis; nothing here changes an input of the model."""


@dataclass(frozen=True)
class BackcastCheck(Check):
    """A backcast row: a :class:`Check` that also keeps the numbers it was made from."""

    series: str = ""
    entity: str = ""
    period: str = ""
    role: str = ""
    observed: float = np.nan
    unit: str = ""
    low: float = np.nan
    median: float = np.nan
    high: float = np.nan
    relative_error: float = np.nan
    inside: bool = False


def simulate_tables(seed: int, scenario: str = SCENARIO) -> dict[str, pd.DataFrame]:
    """Run ``scenario`` over its own horizon and return the tables moments read (pool-friendly)."""
    result = run(scenario, seed=seed)
    return {"metrics": result.metrics, "agents": result.agents, "deals": result.deals}


def backcast_runs(
    seeds: int, executor: Executor | None = None, scenario: str = SCENARIO
) -> list[dict[str, pd.DataFrame]]:
    """The tables of ``seeds`` runs (seeds 0, 1, ...) of ``scenario``, on ``executor`` if given."""
    chosen = list(range(seeds))
    scenarios = [scenario] * seeds
    mapped = (
        executor.map(simulate_tables, chosen, scenarios)
        if executor
        else map(simulate_tables, chosen, scenarios)
    )
    return list(mapped)


def compare(targets: pd.DataFrame, simulated: pd.DataFrame) -> pd.DataFrame:
    """Each target with the distribution of its simulated moment and the verdict.

    Args:
        targets: The targets table (:func:`~.moments.load_targets`).
        simulated: The output of :func:`~.moments.moments` for the runs.

    Returns:
        The targets with ``n`` (seeds with a value), ``low``, ``median``, ``high`` (the 90% interval),
        ``relative_error``, ``inside`` (observed within the interval), ``passed`` (within the interval
        widened by the tolerance) and ``status`` (``pass``; else ``miss`` if held out, ``fail`` if
        fitted).
    """
    low_q, high_q = INTERVAL
    grouped = simulated.dropna(subset=["simulated"]).groupby(list(KEYS), sort=False)["simulated"]
    stats = pd.DataFrame(
        {
            "n": grouped.size(),
            "low": grouped.quantile(low_q),
            "median": grouped.median(),
            "high": grouped.quantile(high_q),
        }
    ).reset_index()
    table = targets.merge(stats, on=list(KEYS), how="left")
    table["n"] = table["n"].fillna(0).astype(int)
    observed = table["observed"]
    slack = np.where(
        table["error_measure"] == "relative",
        table["tolerance"] * observed.abs(),
        table["tolerance"],
    )
    table["relative_error"] = table["median"] / observed - 1.0
    table["inside"] = (observed >= table["low"]) & (observed <= table["high"])
    table["passed"] = (observed >= table["low"] - slack) & (observed <= table["high"] + slack)
    table["status"] = np.where(
        table["passed"], "pass", np.where(table["role"] == "fitted", "fail", "miss")
    )
    return table


def _format(value: float, unit: str) -> str:
    if not np.isfinite(value):
        return "n/a"
    if unit == "%":
        return f"{value:.1f}%"
    if unit.startswith("USD bn"):
        return f"${value:,.1f}B"
    if unit.startswith("HHI"):
        return f"{value:,.0f}"
    if unit == "GW":
        return f"{value:.2f} GW"
    if unit == "labs":
        return f"{value:.1f}"
    return f"{value:.2f}"


def _tolerance(row: pd.Series) -> str:
    if row["error_measure"] == "relative":
        return f"±{100 * row['tolerance']:.0f}%"
    return f"±{row['tolerance']:g}" + (" pp" if row["unit"] == "%" else "")


def to_checks(table: pd.DataFrame) -> list[BackcastCheck]:
    """One :class:`BackcastCheck` row per target of a :func:`compare` table."""
    rows = []
    for _, row in table.iterrows():
        unit, role = str(row["unit"]), str(row["role"]).replace("_", " ")
        label = LABELS[row["series"]].format(entity=row["entity"])
        measured = (
            f"{_format(row['median'], unit)} (90%: {_format(row['low'], unit)} to "
            f"{_format(row['high'], unit)}, n={row['n']})"
            if row["n"]
            else "no simulated value"
        )
        where = "inside" if row["inside"] else "outside"
        error = (
            f"{100 * row['relative_error']:+.0f}%; {where} the interval (tolerance {_tolerance(row)})"
            if row["n"]
            else "n/a"
        )
        rows.append(
            BackcastCheck(
                group=GROUP,
                name=f"{label}, {row['period']} ({role})",
                expected=_format(row["observed"], unit),
                measured=measured,
                error=error,
                status=str(row["status"]) if row["n"] else ("fail" if role == "fitted" else "miss"),
                source=str(row["source"]),
                series=str(row["series"]),
                entity=str(row["entity"]),
                period=str(row["period"]),
                role=str(row["role"]),
                observed=float(row["observed"]),
                unit=unit,
                low=float(row["low"]),
                median=float(row["median"]),
                high=float(row["high"]),
                relative_error=float(row["relative_error"]),
                inside=bool(row["inside"]),
            )
        )
    return rows


def backcast_checks(
    seeds: int,
    executor: Executor | None = None,
    targets: pd.DataFrame | None = None,
    runs: Sequence[Any] | None = None,
) -> list[Check]:
    """The backcast rows of ``computemarket validate``.

    Args:
        seeds: Seeds of ``calibrated-2023`` to run (0, 1, ...).
        executor: Runs them on this executor if given.
        targets: The targets; by default the shipped ones.
        runs: Tables of runs already made (then ``seeds`` and ``executor`` are not used).

    Returns:
        One row per target, in the order of the targets table.
    """
    targets = load_targets() if targets is None else targets
    runs = backcast_runs(seeds, executor) if runs is None else runs
    return list(to_checks(compare(targets, moments(runs, targets))))


def backcast_summary(rows: Sequence[Check]) -> list[str]:
    """Markdown lines for the page: coverage, what the model reproduces, what it misses and why."""
    backcast = [r for r in rows if isinstance(r, BackcastCheck)]
    held = [r for r in backcast if r.role == "held_out"]
    if not held:
        return []
    inside = sum(r.inside for r in held)
    passed = [r for r in held if r.status == "pass"]
    missed: dict[tuple[str, str], list[BackcastCheck]] = {}
    for r in held:
        if r.status != "pass":
            missed.setdefault((r.series, r.entity), []).append(r)
    lines = [
        "",
        "## Backcast: what it shows",
        "",
        f"Coverage of the 90% predictive interval: {inside} of {len(held)} held-out observations lie "
        f"inside it, where a well-calibrated model would cover about 90%; {len(passed)} of "
        f"{len(held)} lie inside it once widened by the observations' own tolerance. The interval "
        "holds only the model's randomness across seeds with every input fixed, so it is narrow: the "
        "uncertainty of the inputs marked ASSUMPTION in `calibrated-2023` is not in it.",
        "",
        "**Reproduced:** " + ("; ".join(_short(r) for r in passed) or "none") + ".",
        "",
        "**Missed** (median against observed, and the likely mechanism):",
        "",
    ]
    for (series, entity), group in missed.items():
        label = group[0].name.rsplit(", ", 1)[0]
        numbers = "; ".join(_numbers(r) for r in group)
        reason = MECHANISMS.get((series, entity), MECHANISMS.get(series, "not explained yet."))
        lines.append(f"- {label}: {numbers}. {reason[0].upper()}{reason[1:]}")
    return lines


def _numbers(row: BackcastCheck) -> str:
    error = f"{100 * row.relative_error:+.0f}%" if np.isfinite(row.relative_error) else "n/a"
    return f"{row.period} {_format(row.median, row.unit)} vs {row.expected} ({error})"


def _short(row: BackcastCheck) -> str:
    return f"{row.name.rsplit(', ', 1)[0]}, {_numbers(row)}"
