"""What runs in a worker: one task, i.e. a chunk of runs, written to its own Parquet file.

Everything here must pickle by reference (module-level functions, frozen dataclasses), so the same
task runs in a local process or on a Dask worker on another machine.
"""

from __future__ import annotations

import json
import os
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from computemarket.experiments.derived import add_derived
from computemarket.simulation.scenario import Scenario
from computemarket.store.files import write_parquet_atomic
from computemarket.store.schema import column_units, run_id, to_arrow
from computemarket.store.sweeps import TASK_METADATA_KEY

RunFunction = Callable[..., pd.DataFrame]
"""``run_fn(scenario, *, years, seed) -> metrics`` with one row per quarter and a ``quarter`` column."""

RUN_COLUMNS = ("run_id", "row", "point", "replicate", "seed")
"""The columns that name the run of each row of a task file, first; the factor columns follow."""


def simulate(scenario: Scenario, *, years: int, seed: int) -> pd.DataFrame:
    """Run the market model once and return its per-quarter metrics (the default run function).

    The run keeps only its metrics table: a sweep stores nothing else, and the metrics are the same
    as those of a run that keeps the agents', ledger and deal rows too.
    """
    from computemarket.simulation.runner import run

    return run(scenario, years=years, seed=seed, tables=("metrics",)).metrics


@dataclass(frozen=True)
class RunSpec:
    """One run of a task: its design row, the resolved scenario of its point and its factors' values."""

    row: int
    point: int
    replicate: int
    seed: int
    scenario: Scenario
    factors: tuple[Any, ...] = ()


@dataclass(frozen=True)
class TaskSpec:
    """Everything a worker needs to run a task and write its file.

    Attributes:
        task: Task number.
        path: Where the task's Parquet file goes (a path every worker can write to).
        design_id: Digest of the design, written into the file's footer.
        start: First design row of the task.
        stop: One past the last design row.
        runs: The runs, in row order.
        years: Horizon of every run.
        metrics: Metric columns to keep, or ``None`` for all.
        every: ``"quarter"``, ``"year"`` or ``"final"``.
        dtype: ``"float64"`` or ``"float32"`` for float metrics.
        factors: The factor columns and their dtypes in the design, in order.
        run_fn: The model, as a function (see :data:`RunFunction`).
    """

    task: int
    path: str
    design_id: str
    start: int
    stop: int
    runs: tuple[RunSpec, ...]
    years: int
    metrics: tuple[str, ...] | None
    every: str
    dtype: str
    factors: tuple[tuple[str, str], ...] = ()
    run_fn: RunFunction = simulate


@dataclass
class TaskReport:
    """What a finished task sends back to the driver (small: the data stays in the file).

    Attributes:
        task: Task number.
        runs: Runs attempted.
        failures: One dict per failed run: row, point, replicate, seed, error, traceback.
        wall_s: Seconds the task took in the worker.
        file_bytes: Size of the Parquet file.
        sha256: SHA-256 of the Parquet file, recorded in the manifest.
        table_rows: Rows written (runs x kept quarters).
        worker: Host and process id of the worker.
        units: The unit of each column written that has one.
    """

    task: int
    runs: int
    failures: list[dict[str, Any]] = field(default_factory=list)
    wall_s: float = 0.0
    file_bytes: int = 0
    sha256: str = ""
    table_rows: int = 0
    worker: str = ""
    units: dict[str, str] = field(default_factory=dict)


def keep_quarters(metrics: pd.DataFrame, every: str) -> pd.DataFrame:
    """Keep every quarter, the start of each year (quarters 0, 4, 8, ...), or only the final quarter."""
    if "quarter" not in metrics.columns:
        raise ValueError(
            f"the run function's metrics have no 'quarter' column (columns: {', '.join(metrics.columns)})"
        )
    if every == "year":
        return metrics[metrics["quarter"] % 4 == 0]
    if every == "final":
        return metrics[metrics["quarter"] == metrics["quarter"].max()]
    return metrics


def _select(metrics: pd.DataFrame, task: TaskSpec, run: RunSpec) -> pd.DataFrame:
    # Derived metrics (exited[LAB]) need the whole quarterly series, so they come first.
    metrics = add_derived(metrics, task.metrics)
    kept = keep_quarters(metrics, task.every)
    if task.metrics is not None:
        missing = [m for m in task.metrics if m not in kept.columns]
        if missing:
            raise KeyError(
                f"metric {missing[0]!r} is not recorded by the model (recorded: {', '.join(kept.columns)})"
            )
        columns = ["quarter", *(["year"] if "year" in kept.columns else []), *task.metrics]
        kept = kept[columns]
    kept = kept.reset_index(drop=True)
    n = len(kept)
    ids = {
        "run_id": pd.Categorical([run_id(run.scenario, task.years, run.seed)] * n),
        "row": np.full(n, run.row, dtype=np.int64),
        "point": np.full(n, run.point, dtype=np.int64),
        "replicate": np.full(n, run.replicate, dtype=np.int64),
        "seed": np.full(n, run.seed, dtype=np.int64),
    }
    values = {
        name: pd.Series([value] * n, dtype=dtype)
        for (name, dtype), value in zip(task.factors, run.factors, strict=True)
    }
    return pd.concat([pd.DataFrame({**ids, **values}), kept], axis=1)


def _empty(task: TaskSpec) -> pd.DataFrame:
    """The columns of a task file whose every run failed."""
    keys = {name: pd.Series(dtype="int64") for name in RUN_COLUMNS}
    keys["run_id"] = pd.Series(dtype="str")
    factors = {name: pd.Series(dtype=dtype) for name, dtype in task.factors}
    return pd.DataFrame({**keys, **factors, "quarter": pd.Series(dtype="int32")})


def execute_task(task: TaskSpec) -> TaskReport:
    """Run a task's runs in order and write their kept metrics to the task's Parquet file.

    A run that raises is recorded (row, point, seed, traceback) and the others go on. The file is
    written atomically, with the failures in its footer, so a finished task is exactly one file.

    Returns:
        The task's report.
    """
    start = time.perf_counter()
    frames: list[pd.DataFrame] = []
    failures: list[dict[str, Any]] = []
    for run in task.runs:
        try:
            metrics = task.run_fn(run.scenario, years=task.years, seed=run.seed)
            frames.append(_select(metrics, task, run))
        except Exception as err:
            failures.append(
                {
                    "row": run.row,
                    "point": run.point,
                    "replicate": run.replicate,
                    "seed": run.seed,
                    "error": f"{err.__class__.__name__}: {err}",
                    "traceback": traceback.format_exc(),
                }
            )
    data = pd.concat(frames, ignore_index=True) if frames else _empty(task)
    record = {
        "task": task.task,
        "start": task.start,
        "stop": task.stop,
        "design_id": task.design_id,
        "runs": len(task.runs),
        "failures": failures,
    }
    factors = [name for name, _ in task.factors]
    units = column_units(data.columns, factors=factors)
    narrow = set(data.columns).difference(factors) if task.dtype == "float32" else ()
    table = to_arrow(
        data, units, float32=narrow, metadata={TASK_METADATA_KEY: json.dumps(record).encode()}
    )
    written = write_parquet_atomic(table, Path(task.path))
    return TaskReport(
        task=task.task,
        runs=len(task.runs),
        failures=failures,
        wall_s=time.perf_counter() - start,
        file_bytes=written.bytes,
        sha256=written.sha256,
        table_rows=len(data),
        worker=f"{socket.gethostname()}:{os.getpid()}",
        units=units,
    )
