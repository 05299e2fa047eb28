"""Helpers for testing code that uses computemarket: fingerprints of result tables, a fake model, the browser.

A run's tables are pinned two ways. :func:`table_digest` is a SHA-256 of every byte of a table
(names, dtypes, values, order): equal digests mean bit-identical tables, which is what the project
promises on one machine, across runs, worker counts and executors. Another CPU may round a
transcendental function differently in the last bit, so there the promise is equality to 1e-9:
:func:`table_fingerprint` keeps, per numeric column, the sum of absolute values and a position-
weighted sum (which catches reordered rows), and a digest of every non-numeric column, and
:func:`fingerprint_mismatches` compares two fingerprints within a relative tolerance.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from computemarket.simulation.scenario import Scenario

FINGERPRINT_RTOL = 1e-9
"""Relative tolerance of :func:`fingerprint_mismatches` (the project's promise across CPUs)."""

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
"""Flags for Debian's chromium run headless as root in a container."""


def chromium_path() -> str | None:
    """Where the chromium to drive is: ``CHROMIUM_PATH``, else ``chromium`` on the PATH."""
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


def cpu_features() -> list[str]:
    """The numpy dispatch targets that this CPU (and ``NPY_DISABLE_CPU_FEATURES``) enables.

    Two processes with the same list run the same numpy kernels, so their tables must be
    bit-identical; with different lists they may differ in the last bits.
    """
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    return sorted(f for f in __cpu_dispatch__ if __cpu_features__.get(f))


def _column_bytes(values: pd.Series) -> bytes:
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = "\0".join(map(str, values.cat.categories)).encode()
        return categories + b"\1" + np.asarray(values.cat.codes).tobytes()
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        return "\0".join(map(str, values.tolist())).encode()
    return np.ascontiguousarray(values.to_numpy()).tobytes()


def table_digest(table: pd.DataFrame) -> str:
    """SHA-256 of a table's column names, dtypes and values, in order (bit-exact).

    Args:
        table: Any data frame of the model's tables.

    Returns:
        The hex digest.
    """
    digest = hashlib.sha256()
    digest.update(str(len(table)).encode())
    for name in table.columns:
        column = table[name]
        digest.update(f"\2{name}\3{column.dtype}\3".encode())
        digest.update(_column_bytes(column))
    return digest.hexdigest()


def table_fingerprint(table: pd.DataFrame) -> dict[str, Any]:
    """A summary of a table that survives last-bit differences: see :func:`fingerprint_mismatches`.

    Args:
        table: Any data frame of the model's tables.

    Returns:
        ``{"rows": n, "columns": {name: [sum |x|, sum |x| * w] or "sha256:..."}}`` with weights
        ``w`` rising from 1/n to 1 down the rows; NaN counts as 0 and is counted in a third entry.
    """
    n = len(table)
    weights = np.arange(1, n + 1) / max(n, 1)
    columns: dict[str, Any] = {}
    for name in table.columns:
        column = table[name]
        if pd.api.types.is_bool_dtype(column.dtype) or pd.api.types.is_numeric_dtype(column.dtype):
            values = np.abs(column.to_numpy(dtype=float))
            nan = np.isnan(values)
            values = np.where(nan, 0.0, values)
            columns[str(name)] = [
                float(values.sum()),
                float(values @ weights),
                int(nan.sum()),
            ]
        else:
            columns[str(name)] = "sha256:" + hashlib.sha256(_column_bytes(column)).hexdigest()
    return {"rows": n, "columns": columns}


def fingerprint_mismatches(
    expected: dict[str, Any], actual: dict[str, Any], rtol: float = FINGERPRINT_RTOL
) -> list[str]:
    """What differs between two :func:`table_fingerprint` results beyond ``rtol``.

    Args:
        expected: The pinned fingerprint.
        actual: The fingerprint of the table now.
        rtol: Relative tolerance on the numeric sums.

    Returns:
        One line per difference (empty if they agree).
    """
    problems = []
    if expected["rows"] != actual["rows"]:
        problems.append(f"rows: {expected['rows']} != {actual['rows']}")
    if sorted(expected["columns"]) != sorted(actual["columns"]):
        problems.append(f"columns: {sorted(expected['columns'])} != {sorted(actual['columns'])}")
        return problems
    for name, want in expected["columns"].items():
        got = actual["columns"][name]
        if isinstance(want, str) or isinstance(got, str):
            if want != got:
                problems.append(f"{name}: values differ")
            continue
        if want[2] != got[2]:
            problems.append(f"{name}: {want[2]} NaN != {got[2]} NaN")
        for a, b in zip(want[:2], got[:2], strict=True):
            if not math.isclose(a, b, rel_tol=rtol, abs_tol=1e-12):
                problems.append(f"{name}: {a!r} != {b!r}")
                break
    return problems


def table_differences(
    expected: pd.DataFrame, actual: pd.DataFrame, rtol: float = FINGERPRINT_RTOL, atol: float = 1e-9
) -> list[str]:
    """Where two versions of a table differ beyond ``rtol`` (relative) and ``atol`` (absolute).

    The tables must have the same shape and columns; non-numeric columns must be equal; numbers may
    differ by ``atol + rtol * |expected|`` (NaN equals NaN). Use it to check that a run on another
    machine reproduces a table (the project promises 1e-9).

    Args:
        expected: The reference table.
        actual: The table to check.
        rtol: Relative tolerance.
        atol: Absolute tolerance ($B, GW or the metric's unit; the default is a dollar or a watt).

    Returns:
        One line per difference (the first row of each differing column); empty if they agree.
    """
    if expected.shape != actual.shape or list(expected.columns) != list(actual.columns):
        return [f"shape {expected.shape} != {actual.shape} or columns differ"]
    problems = []
    for name in expected.columns:
        want, got = expected[name], actual[name]
        if pd.api.types.is_bool_dtype(want.dtype) or pd.api.types.is_numeric_dtype(want.dtype):
            a, b = want.to_numpy(dtype=float), got.to_numpy(dtype=float)
            same = np.isclose(a, b, rtol=rtol, atol=atol) | (np.isnan(a) & np.isnan(b))
        else:
            same = want.astype(str).to_numpy() == got.astype(str).to_numpy()
        if not same.all():
            row = int(np.flatnonzero(~same)[0])
            problems.append(f"{name}, row {row}: {want.iloc[row]!r} != {got.iloc[row]!r}")
    return problems


# ----------------------------------------------------------------------------------- folders
def folder_snapshot(folder: str | os.PathLike[str]) -> dict[str, bytes | None]:
    """Every file and folder under ``folder`` (hidden ones too), by relative path, with its bytes.

    Two snapshots are equal exactly when nothing was written, changed or deleted in between;
    folders map to ``None``.
    """
    root = Path(folder)
    if not root.exists():
        return {}
    return {
        str(path.relative_to(root)): None if path.is_dir() else path.read_bytes()
        for path in sorted(root.rglob("*"))
    }


# ------------------------------------------------------------------------------------ a fake model
def sweep_synthetic(
    spec: Any,
    out: Path,
    *,
    workers: int = 2,
    run_fn: Any = None,
    **options: Any,
) -> Any:
    """Run an experiment on the fake model (:func:`synthetic_run`) in threads, without a progress bar.

    The sweep machinery is the real one (design, tasks, manifest, checksums, resume); only the runs
    are stand-ins, so tests of the runner and of the readers take milliseconds per run.

    Args:
        spec: An experiment file, a shipped experiment's name or an ``ExperimentSpec``.
        out: The sweep folder.
        workers: Threads.
        run_fn: The run function (default :func:`synthetic_run`).
        **options: Further keywords of :func:`computemarket.experiments.sweep` (``resume``,
            ``limit``, ``runs_per_task``, ...).

    Returns:
        The sweep's report.
    """
    from concurrent.futures import ThreadPoolExecutor

    from computemarket.experiments import ExperimentSpec, load_experiment, sweep

    if not isinstance(spec, ExperimentSpec):
        spec = load_experiment(spec)
    with ThreadPoolExecutor(workers) as pool:
        return sweep(
            spec,
            out,
            executor=pool,
            run_fn=synthetic_run if run_fn is None else run_fn,
            progress=False,
            **options,
        )


def synthetic_run(
    scenario: Scenario,
    *,
    years: int,
    seed: int,
    delay_s: float = 0.0,
    fail_every: int = 0,
    die_every: int = 0,
) -> pd.DataFrame:
    """A fake run: concentration drifts up with the commitment multiple and down with switching cost.

    Args:
        scenario: The resolved scenario (only deal terms and rules are read).
        years: Horizon; the table has ``4 * years + 1`` quarters.
        seed: Seed of the noise.
        delay_s: Seconds to sleep, to stand in for the model's cost.
        fail_every: If positive, raise for seeds divisible by it (to test failure handling).
        die_every: If positive, end the whole process for seeds divisible by it (a crashed worker).

    Returns:
        One row per quarter: quarter, year, cloud_hhi, locked_share, switching_rate, active_labs,
        and uniform noise under the model's other metric names.

    Raises:
        RuntimeError: For the seeds ``fail_every`` selects.
    """
    if fail_every and seed % fail_every == 0:
        raise RuntimeError(f"synthetic failure for seed {seed}")
    if die_every and seed % die_every == 0:
        os._exit(3)
    if delay_s:
        time.sleep(delay_s)
    rng = np.random.default_rng(seed)
    quarters = np.arange(4 * years + 1)
    drift = 20.0 * scenario.deals.commitment_multiple - 60.0 * scenario.rules.switching_cost
    noise = np.cumsum(rng.normal(0.0, 40.0, quarters.size))
    cloud_hhi = np.clip(1500.0 + drift * quarters / 4 + noise, 10_000 / 50, 10_000)
    locked = 1.0 - np.exp(-0.05 * scenario.deals.commitment_multiple * (quarters + 1) / 4)
    metrics = pd.DataFrame(
        {
            "quarter": quarters,
            "year": scenario.market.start_year + quarters / 4,
            "cloud_hhi": cloud_hhi,
            "locked_share": locked,
            "switching_rate": rng.uniform(0.0, 0.1, quarters.size)
            / (1.0 + scenario.rules.switching_cost),
            "active_labs": rng.integers(10, 25, quarters.size),
        }
    )
    # The model's other metrics, so shipped experiments run unchanged on the stand-in.
    for name in SYNTHETIC_FILLERS:
        metrics[name] = rng.uniform(0.0, 1.0, quarters.size)
    return metrics


SYNTHETIC_FILLERS = (
    "capacity_hhi",
    "cloud_market_hhi",
    "model_hhi",
    "cloud_cr1",
    "cloud_cr3",
    "model_cr1",
    "effective_clouds",
    "lab_entries",
    "lab_exits",
    "max_provider_share",
    "switching_cost_ratio",
    "roundtrip_ratio",
    "circular_revenue_share",
    "utilization",
    "written_off",
    "ledger_imbalance",
)
