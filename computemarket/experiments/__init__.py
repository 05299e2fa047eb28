"""Experiments: specs, designs, seeds and the sweep runner that executes them locally or on Dask.

Typical use::

    from computemarket.experiments import sweep
    report = sweep("commitment-vs-switching", workers=2)

and then ``computemarket.results.load("results/commitment-vs-switching")``.

The names below are imported on first use, so that a sweep's worker processes, which import only
:mod:`computemarket.experiments.worker`, do not load the samplers (scipy.stats, SALib) and the
driver's modules they never use: a worker starts in about half the time.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from computemarket.experiments.design import Design, build_design, run_seed
    from computemarket.experiments.engine import sweep
    from computemarket.experiments.report import SweepReport
    from computemarket.experiments.spec import (
        SAMPLERS,
        ExperimentError,
        ExperimentSpec,
        Factor,
        list_experiments,
        load_experiment,
        parse_experiment,
    )

_HOMES = {
    "Design": "design",
    "build_design": "design",
    "run_seed": "design",
    "sweep": "engine",
    "SweepReport": "report",
    "SAMPLERS": "spec",
    "ExperimentError": "spec",
    "ExperimentSpec": "spec",
    "Factor": "spec",
    "list_experiments": "spec",
    "load_experiment": "spec",
    "parse_experiment": "spec",
}

__all__ = [
    "SAMPLERS",
    "Design",
    "ExperimentError",
    "ExperimentSpec",
    "Factor",
    "SweepReport",
    "build_design",
    "list_experiments",
    "load_experiment",
    "parse_experiment",
    "run_seed",
    "sweep",
]


def __getattr__(name: str) -> Any:
    """Import an exported name from its module on first use (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the lazy exports included."""
    return sorted(set(globals()) | set(__all__))
