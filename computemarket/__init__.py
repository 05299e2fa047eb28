"""computemarket: an agent-based model of the market in which hyperscalers and AI labs trade capital for compute.

Quick start::

    from computemarket import ComputeMarket, run

    result = run("baseline", rules="no-tied-investment", years=10, seed=1)
    result.metrics[["year", "cloud_hhi", "locked_share", "roundtrip_ratio"]]

The names below are imported when first used, so that ``import computemarket.<part>`` (the command
line, the store) does not load the model, Mesa and the plotting stack it does not need, and the
command line starts at once (a Ctrl-C while it starts is then handled like any other).
"""

_LAZY = {
    "ComputeMarket": "computemarket.simulation.model",
    "RunResult": "computemarket.simulation.runner",
    "run": "computemarket.simulation.runner",
    "Scenario": "computemarket.simulation.scenario",
    "ScenarioError": "computemarket.simulation.scenario",
    "load_scenario": "computemarket.simulation.scenario",
    "sweep": "computemarket.experiments.engine",
}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name]), name)
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("computemarket")
        except PackageNotFoundError:  # pragma: no cover - a source tree that is not installed
            return "0.0.0"
    raise AttributeError(f"module 'computemarket' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY, "__version__"])


__all__ = [  # resolved by __getattr__
    "ComputeMarket",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "run",
    "sweep",
]
