"""Experiments: specs, designs, seeds and the sweep runner that executes them locally or on Dask.

Typical use::

    from computemarket.experiments import sweep
    report = sweep("commitment-vs-switching", workers=2)

and then ``computemarket.results.load("results/commitment-vs-switching")``.
"""

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
