"""computemarket: an agent-based model of the market in which hyperscalers and AI labs trade capital for compute.

Quick start::

    from computemarket import ComputeMarket, run

    result = run("baseline", rules="no-tied-investment", years=10, seed=1)
    result.metrics[["year", "cloud_hhi", "locked_share", "roundtrip_ratio"]]
"""

from importlib.metadata import PackageNotFoundError, version

from computemarket.simulation import (
    ComputeMarket,
    RunResult,
    Scenario,
    ScenarioError,
    load_scenario,
    run,
)

try:
    __version__ = version("computemarket")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without installing
    __version__ = "0.0.0"


def __getattr__(name: str):
    # `sweep` pulls in scipy and the executors: import it only when asked for.
    if name == "sweep":
        from computemarket.experiments import sweep

        return sweep
    raise AttributeError(f"module 'computemarket' has no attribute {name!r}")


__all__ = [
    "ComputeMarket",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "run",
    "sweep",
]
