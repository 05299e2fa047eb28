"""The market model: scenario schema and loading, the Mesa model, its submodels and metrics.

The names below are imported when first used, so that reading a scenario (the command line's
checks, the store) does not load Mesa and the model.
"""

from importlib import import_module

_LAZY = {
    "METRIC_COLUMNS": "computemarket.simulation.model",
    "ComputeMarket": "computemarket.simulation.model",
    "RunResult": "computemarket.simulation.runner",
    "run": "computemarket.simulation.runner",
    "Scenario": "computemarket.simulation.scenario",
    "ScenarioError": "computemarket.simulation.scenario",
    "list_rule_presets": "computemarket.simulation.scenario",
    "list_scenarios": "computemarket.simulation.scenario",
    "load_scenario": "computemarket.simulation.scenario",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'computemarket.simulation' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = [  # resolved by __getattr__
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
