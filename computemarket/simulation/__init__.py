"""The market model: scenario schema and loading, the Mesa model, its submodels and metrics."""

from computemarket.simulation.model import METRIC_COLUMNS, ComputeMarket
from computemarket.simulation.runner import RunResult, run
from computemarket.simulation.scenario import (
    Scenario,
    ScenarioError,
    list_rule_presets,
    list_scenarios,
    load_scenario,
)

__all__ = [
    "METRIC_COLUMNS",
    "ComputeMarket",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "list_rule_presets",
    "list_scenarios",
    "load_scenario",
    "run",
]
