"""One-call helper: build a model from a scenario, run it, return its tables."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from computemarket.simulation.model import ComputeMarket
from computemarket.simulation.recording import TABLES
from computemarket.simulation.scenario import DEFAULT_SCENARIO, Scenario, load_scenario


@dataclass
class RunResult:
    """The tables of one run.

    Attributes:
        scenario: The resolved scenario that was run.
        seed: The seed given to the model (``None`` if it drew fresh entropy).
        years: Simulated years.
        metrics: One row per quarter (see ``docs/model.md``, Metrics), quarter 0 is the initial state.
        agents: One row per agent per quarter (``None`` if the run did not keep it).
        ledger: One row per transfer: quarter, payer, payee, amount ($B), kind, origin (``None``
            if not kept).
        deals: One row per investment deal signed (``None`` if not kept).
        wall_time_s: Seconds spent building and running the model.
    """

    scenario: Scenario
    seed: int | None
    years: int
    metrics: pd.DataFrame
    agents: pd.DataFrame | None
    ledger: pd.DataFrame | None
    deals: pd.DataFrame | None
    wall_time_s: float


def run(
    scenario: str | Path | Scenario = DEFAULT_SCENARIO,
    *,
    rules: str | Path | None = None,
    overrides: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
    years: int | None = None,
    seed: int | None = None,
    tables: Collection[str] = TABLES,
    progress: Callable[[int, int], object] | None = None,
) -> RunResult:
    """Run one scenario and return its tables (the same tables ``computemarket run`` writes).

    Args:
        scenario: Shipped scenario name, path to a TOML file, or a :class:`Scenario`.
        rules: Rules preset name or path, laid over the scenario.
        overrides: Dotted-path overrides, e.g. ``{"deals.commitment_multiple": 5}``.
        years: Horizon in years; defaults to the scenario's ``market.years``.
        seed: Seed of the model's random number generators.
        tables: The tables to keep (``metrics`` always; a sweep needs only that, and skips the
            cost of recording the agents and the ledger).
        progress: Called after every quarter with the quarters done and the quarters in all
            (e.g. to move a progress bar); it must not touch the model.

    Returns:
        The run's tables.

    Raises:
        ScenarioError: If the scenario, rules or overrides are invalid.
        ValueError: If ``years`` or ``seed`` is out of range.
    """
    start = time.perf_counter()
    resolved = load_scenario(scenario, rules=rules, overrides=overrides)
    model = ComputeMarket(market_scenario=resolved, years=years, rng=seed, tables=tables)
    quarters = 4 * model.years
    while model.running:  # Mesa's run_model, with a report after each quarter
        model.step()
        if progress is not None:
            progress(model.quarter, quarters)
    kept = model.tables()
    return RunResult(
        scenario=resolved,
        seed=seed,
        years=model.years,
        wall_time_s=time.perf_counter() - start,
        metrics=kept["metrics"],
        agents=kept.get("agents"),
        ledger=kept.get("ledger"),
        deals=kept.get("deals"),
    )
