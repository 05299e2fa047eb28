"""Design samplers: turn an experiment's factors into a table of design points.

``grid`` crosses value lists and evenly spaced ranges. ``lhs`` and ``sobol`` draw the ranges with
:mod:`scipy.stats.qmc` and cross the draws with any value lists. ``saltelli`` and ``morris`` are SALib's
designs for Sobol' indices and elementary effects; their row order is the one SALib's analysis expects,
so it must never be changed. A ``scenario`` or ``rules`` list is crossed with them: the same SALib
rows, in SALib's order, for each value (value-major), so that the arms of a comparison are paired
point by point (``computemarket sensitivity --versus``).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from computemarket.experiments.spec import ExperimentSpec, Factor

DESIGN_STREAM = 0
"""First word of the SeedSequence spawn key that seeds the sampler (run seeds use 1)."""


def sampler_seed(spec: ExperimentSpec) -> np.random.SeedSequence:
    """The SeedSequence the design sampler draws from, derived from the experiment's seed."""
    return np.random.SeedSequence(spec.seed, spawn_key=(DESIGN_STREAM,))


def salib_problem(spec: ExperimentSpec) -> dict[str, Any]:
    """The SALib problem dict of the experiment's ranges (names are the dotted parameter paths)."""
    ranges = [f for f in spec.factors if f.is_range]
    return {
        "num_vars": len(ranges),
        "names": [f.path for f in ranges],
        "bounds": [[f.low, f.high] for f in ranges],
    }


def _grid_values(factor: Factor) -> list[Any]:
    if factor.values is not None:
        return list(factor.values)
    values = np.linspace(factor.low, factor.high, factor.steps)
    if factor.kind == "int":
        return sorted({int(v) for v in np.rint(values)})
    return [float(v) for v in values]


def _unit_draws(spec: ExperimentSpec, dimensions: int) -> np.ndarray:
    """Points in the unit hypercube, shape (n, dimensions), for the qmc and SALib samplers."""
    seq = sampler_seed(spec)
    if spec.sampler == "lhs":
        return qmc.LatinHypercube(d=dimensions, rng=np.random.default_rng(seq)).random(spec.samples)
    if spec.sampler == "sobol":
        engine = qmc.Sobol(d=dimensions, scramble=True, rng=np.random.default_rng(seq))
        return engine.random_base2(int(spec.samples).bit_length() - 1)
    unit_problem = {
        "num_vars": dimensions,
        "names": [f"x{i}" for i in range(dimensions)],
        "bounds": [[0.0, 1.0]] * dimensions,
    }
    salib_seed = int(seq.generate_state(1)[0])
    if spec.sampler == "saltelli":
        from SALib.sample import sobol as salib_sobol

        return salib_sobol.sample(
            unit_problem, spec.samples, calc_second_order=spec.second_order, seed=salib_seed
        )
    if spec.sampler == "morris":
        from SALib.sample import morris as salib_morris

        return salib_morris.sample(
            unit_problem, spec.samples, num_levels=spec.levels, seed=salib_seed
        )
    raise ValueError(
        f"unknown sampler {spec.sampler!r}"
    )  # pragma: no cover - validated in the spec


def integer_values(low: int, high: int, unit: np.ndarray, levels: int | None = None) -> np.ndarray:
    """Integers from ``low`` to ``high`` (both included), each equally likely under uniform ``unit``.

    The unit interval is cut into ``high - low + 1`` equal cells, one per integer: the floor of a
    uniform draw over ``[low, high + 1)``. Rounding ``low + u (high - low)`` instead would give the
    two ends half the weight of the others (4-6: 1/4, 1/2, 1/4).

    Args:
        low: Smallest integer.
        high: Largest integer.
        unit: Draws in [0, 1] (a draw of exactly 1 takes ``high``).
        levels: For a Morris design, its number of grid levels: level ``j`` (``unit = j /
            (levels - 1)``) is placed at the middle of the ``j``-th of ``levels`` equal cells.
            The experiment file allows an integer factor under Morris only with as many integers
            as levels, so level ``j`` is the integer ``low + j``: an equally spaced grid, each
            integer as likely as the others.

    Returns:
        The integers, as int64.
    """
    if levels is not None:
        unit = (np.rint(unit * (levels - 1)) + 0.5) / levels
    count = high - low + 1
    return low + np.minimum(np.floor(unit * count), count - 1).astype(np.int64)


def _scale(factor: Factor, unit: np.ndarray, levels: int | None = None) -> list[Any]:
    if factor.kind == "int":
        return [int(v) for v in integer_values(int(factor.low), int(factor.high), unit, levels)]
    values = factor.low + unit * (factor.high - factor.low)
    return [float(v) for v in values]


def design_points(spec: ExperimentSpec) -> pd.DataFrame:
    """One row per design point, one column per factor (named by its path), in design order.

    Args:
        spec: A validated experiment.

    Returns:
        The points, indexed 0..n-1. An experiment without factors has one point and no columns.
    """
    listed = [f for f in spec.factors if not f.is_range]
    ranged = [f for f in spec.factors if f.is_range]
    if spec.sampler == "grid":
        combos = list(itertools.product(*(_grid_values(f) for f in spec.factors)))
        return _frame(spec, combos, [f.path for f in spec.factors])
    unit = _unit_draws(spec, len(ranged))
    levels = spec.levels if spec.sampler == "morris" else None
    drawn = list(zip(*(_scale(f, unit[:, i], levels) for i, f in enumerate(ranged)), strict=True))
    combos = [
        (*fixed, *draw)
        for fixed in itertools.product(*(f.values for f in listed))
        for draw in drawn
    ]
    return _frame(spec, combos, [f.path for f in listed] + [f.path for f in ranged])


def _frame(spec: ExperimentSpec, combos: list[tuple[Any, ...]], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(combos, columns=columns) if columns else pd.DataFrame(index=range(1))
    order = [f.path for f in spec.factors]
    frame = frame[order] if columns else frame
    for factor in spec.factors:
        dtype = {"float": "float64", "int": "int64", "bool": "bool", "str": "str"}[factor.kind]
        frame[factor.path] = frame[factor.path].astype(dtype)
    return frame.reset_index(drop=True)
