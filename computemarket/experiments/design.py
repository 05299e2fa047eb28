"""The design table (one row per point x seed), each run's seed, and the chunking of rows into tasks.

Every run's seed comes from one :class:`numpy.random.SeedSequence` rooted at the experiment's ``seed``:
run ``(point, replicate)`` uses spawn key ``(1, replicate)`` with common seeds, else
``(1, point, replicate)``. A seed therefore depends only on the experiment and the run's place in the
design, never on worker count, chunk size, executor or ``--limit``.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from computemarket.experiments.samplers import design_points, salib_problem
from computemarket.experiments.spec import (
    CATEGORICAL_FACTORS,
    SALIB_SAMPLERS,
    ExperimentError,
    ExperimentSpec,
)
from computemarket.simulation.scenario import Scenario, ScenarioError, load_scenario

RUN_STREAM = 1
"""First word of the SeedSequence spawn key of run seeds (the design sampler uses 0)."""

DESIGN_KEYS = ("row", "point", "replicate", "seed")
"""Columns of the design table before the factor columns."""


@dataclass(frozen=True)
class Design:
    """An experiment's design.

    Attributes:
        spec: The experiment.
        points: One row per design point, one column per factor.
        table: One row per run: ``row``, ``point``, ``replicate``, ``seed`` and the factor columns.
        problem: The SALib problem (names, bounds) for ``saltelli`` and ``morris`` designs, else ``None``.
        design_id: A digest of the table; task files carry it so stale files are never mixed in.
    """

    spec: ExperimentSpec
    points: pd.DataFrame
    table: pd.DataFrame
    problem: dict[str, Any] | None
    design_id: str

    @property
    def n_points(self) -> int:
        """Number of design points."""
        return len(self.points)

    @property
    def n_runs(self) -> int:
        """Number of runs (points x seeds)."""
        return len(self.table)


@dataclass(frozen=True)
class TaskRange:
    """A task: the design rows ``start`` (inclusive) to ``stop`` (exclusive), whole points in order."""

    task: int
    start: int
    stop: int

    @property
    def runs(self) -> int:
        """Number of runs in the task."""
        return self.stop - self.start


def run_seed(spec: ExperimentSpec, point: int, replicate: int) -> int:
    """The seed of one run: a 63-bit integer drawn from the experiment's SeedSequence."""
    key = (RUN_STREAM, replicate) if spec.common_seeds else (RUN_STREAM, point, replicate)
    state = np.random.SeedSequence(spec.seed, spawn_key=key).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))


def build_design(spec: ExperimentSpec) -> Design:
    """Sample the points and lay out one row per point x seed, point-major.

    Args:
        spec: A validated experiment.

    Returns:
        The design.
    """
    points = design_points(spec)
    n_points, seeds = len(points), spec.seeds
    point = np.repeat(np.arange(n_points, dtype=np.int64), seeds)
    replicate = np.tile(np.arange(seeds, dtype=np.int64), n_points)
    if spec.common_seeds:
        per_replicate = np.array([run_seed(spec, 0, r) for r in range(seeds)], dtype=np.int64)
        seed = np.tile(per_replicate, n_points)
    else:
        seed = np.array(
            [run_seed(spec, p, r) for p in range(n_points) for r in range(seeds)], dtype=np.int64
        )
    table = pd.DataFrame(
        {
            "row": np.arange(n_points * seeds, dtype=np.int64),
            "point": point,
            "replicate": replicate,
            "seed": seed,
        }
    )
    for column in points.columns:
        table[column] = points[column].to_numpy().repeat(seeds)
    problem = salib_problem(spec) if spec.sampler in SALIB_SAMPLERS else None
    return Design(
        spec=spec, points=points, table=table, problem=problem, design_id=design_digest(table)
    )


def design_digest(table: pd.DataFrame) -> str:
    """A short digest of a design table's columns and values (stable across library versions)."""
    digest = hashlib.sha256()
    for column in table.columns:
        digest.update(str(column).encode())
        values = table[column]
        if values.dtype.kind in "biuf":
            array = values.to_numpy()
            digest.update(array.astype(array.dtype.newbyteorder("<")).tobytes())
        else:
            digest.update("\x1f".join(map(str, values)).encode())
    return digest.hexdigest()[:16]


def plan_tasks(design: Design, runs_per_task: int, limit: int | None = None) -> list[TaskRange]:
    """Chunk the design's rows into tasks of about ``runs_per_task`` runs, in row order.

    A task holds one point and its seeds, or several whole consecutive points when a point has fewer
    seeds than ``runs_per_task``, or an even share of one point's seeds when it has many more (so a
    single point with 200 seeds still runs in parallel). With ``limit`` only the first ``limit`` rows
    are planned, so the last task may hold part of what it would otherwise hold.

    Raises:
        ExperimentError: If ``runs_per_task`` or ``limit`` is not a positive integer.
    """
    if runs_per_task < 1:
        raise ExperimentError(
            f"--chunk: {runs_per_task} is out of range (allowed: an integer >= 1)"
        )
    if limit is not None and limit < 1:
        raise ExperimentError(f"--limit: {limit} is out of range (allowed: an integer >= 1)")
    seeds = design.spec.seeds
    n_rows = design.n_runs if limit is None else min(limit, design.n_runs)
    if seeds <= runs_per_task:
        rows_per_task = math.ceil(runs_per_task / seeds) * seeds
        bounds = [
            (k * rows_per_task, (k + 1) * rows_per_task)
            for k in range(math.ceil(n_rows / rows_per_task))
        ]
    else:
        pieces = math.ceil(seeds / runs_per_task)
        size = math.ceil(seeds / pieces)
        bounds = [
            (p * seeds + j * size, min(p * seeds + (j + 1) * size, (p + 1) * seeds))
            for p in range(math.ceil(n_rows / seeds))
            for j in range(pieces)
            if j * size < seeds
        ]
    return [
        TaskRange(task=k, start=start, stop=min(stop, n_rows))
        for k, (start, stop) in enumerate(bounds)
        if start < n_rows
    ]


def _plain(value: Any) -> Any:
    """Numpy scalars to Python values, which the scenario loader checks by type."""
    return value.item() if isinstance(value, np.generic) else value


def resolve_point(spec: ExperimentSpec, values: Mapping[str, Any]) -> Scenario:
    """The scenario of one design point: the base with its rules preset and all overrides laid over.

    Raises:
        ScenarioError: If the point's values make an invalid scenario.
    """
    scenario = _plain(values.get("scenario", spec.scenario))
    rules = _plain(values.get("rules", spec.rules))
    overrides = list(spec.overrides) + [
        (path, _plain(value)) for path, value in values.items() if path not in CATEGORICAL_FACTORS
    ]
    return load_scenario(scenario, rules=rules, overrides=overrides)


def validate_points(design: Design) -> None:
    """Resolve every point's scenario once, so a bad combination fails before any run starts.

    Raises:
        ExperimentError: Naming the first point whose values make an invalid scenario.
    """
    spec = design.spec
    label = f"experiment '{spec.name}'" if spec.source == "shipped" else spec.source
    for point, values in enumerate(design.points.to_dict("records")):
        try:
            resolve_point(spec, values)
        except ScenarioError as err:
            shown = ", ".join(f"{k}={_plain(v)!r}" for k, v in values.items())
            raise ExperimentError(f"{label}: design point {point} ({shown}): {err}") from None
