"""The on-disk store of one run: Parquet tables, a JSON manifest and extra files such as a figure.

A run folder holds ``metrics.parquet``, ``agents.parquet``, ``ledger.parquet``, ``deals.parquet``,
``manifest.json`` and the extra files the caller draws (``computemarket run`` adds
``summary.png``). It is written into a hidden sibling folder first and moved into place only when
complete, so a reader never sees half a run and a failed write leaves any previous run in that
folder as it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import math
import os
import secrets
import shlex
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from computemarket.store.layout import (
    MANIFEST,
    RUN_FORMAT,
    RUN_TABLES,
    SUMMARY_FIGURE,
    StoreError,
)
from computemarket.store.provenance import provenance

if TYPE_CHECKING:  # the runner imports the model; the store only needs the result's shape
    from computemarket.simulation.runner import RunResult

TABLES = RUN_TABLES
STORE_FORMAT = RUN_FORMAT

ExtraFile = Callable[[Path], Any]
"""Writes one extra file of a run folder at the path it is given (e.g. draws the summary figure)."""


class OutputDirError(StoreError):
    """A run cannot be written to the folder asked for. The message is one line for the user."""


@dataclasses.dataclass
class StoredRun:
    """One run read back from its folder.

    Attributes:
        path: The run folder.
        manifest: The parsed ``manifest.json``.
        metrics: One row per quarter.
        agents: One row per agent per quarter.
        ledger: One row per transfer ($B).
        deals: One row per deal.
    """

    path: Path
    manifest: dict[str, Any]
    metrics: pd.DataFrame
    agents: pd.DataFrame
    ledger: pd.DataFrame
    deals: pd.DataFrame


# ----------------------------------------------------------------------------------- output folder
def _absolute(out_dir: str | os.PathLike[str]) -> Path:
    # abspath, not resolve: a symlinked results folder stays a link, '..' is still normalised.
    return Path(os.path.abspath(out_dir))


def check_output_dir(out_dir: str | os.PathLike[str]) -> Path:
    """Check, before any work, that a run can be written to ``out_dir``; create nothing.

    The folder may be missing (it and its parents are made on write), empty, or hold a previous
    run (it is then replaced). Any other existing folder is refused so that a typo such as
    ``--out .`` cannot replace a folder of other files.

    Args:
        out_dir: The run folder asked for.

    Returns:
        The folder as an absolute path.

    Raises:
        OutputDirError: If the path is a file, lies under a file, holds other files, or its nearest
            existing parent is not writable.
    """
    out = _absolute(out_dir)
    if out.parent == out:
        raise OutputDirError(f"{out}: cannot write a run to the root of the file system")
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise OutputDirError(f"{out}: exists and is not a directory")
        if any(out.iterdir()) and not (out / MANIFEST).is_file():
            raise OutputDirError(
                f"{out}: folder exists and does not hold a computemarket run (no {MANIFEST}); "
                "choose a new or empty folder"
            )
    existing = out.parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise OutputDirError(f"{out}: cannot create it, {existing} is a file, not a directory")
    try:
        # A real probe, not os.access: it also catches read-only mounts, ACLs and running as root.
        probe = tempfile.mkdtemp(prefix=".computemarket-probe-", dir=existing)
    except OSError as err:
        raise OutputDirError(f"{out}: cannot write in {existing} ({err.strerror})") from None
    os.rmdir(probe)
    return out


def _remove_if_empty(folder: Path) -> None:
    # Not empty means another writer put something there meanwhile: not ours to remove.
    with contextlib.suppress(OSError):
        folder.rmdir()


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and missing parents; return those created, deepest first."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
    return missing


def _sibling(out: Path, role: str) -> Path:
    return out.parent / f".{out.name}.{role}-{secrets.token_hex(4)}"


def _swap_into_place(staging: Path, out: Path) -> None:
    """Move the complete ``staging`` folder to ``out``, replacing a previous run there."""
    if not (out.exists() or out.is_symlink()):
        os.rename(staging, out)
        return
    previous = _sibling(out, "previous")
    os.rename(out, previous)
    try:
        os.rename(staging, out)
    except BaseException:
        os.rename(previous, out)
        raise
    shutil.rmtree(previous, ignore_errors=True)


# ---------------------------------------------------------------------------------------- manifest
def to_json_value(value: Any) -> Any:
    """Convert a value to plain JSON data: numpy scalars to Python, non-finite floats to ``None``.

    Args:
        value: Any mix of mappings, sequences, numpy and Python scalars, paths and dates.

    Returns:
        Data that ``json.dumps(..., allow_nan=False)`` accepts.
    """
    if isinstance(value, Mapping):
        return {str(key): to_json_value(item) for key, item in value.items()}
    if isinstance(value, np.ndarray):
        return to_json_value(value.tolist())
    if isinstance(value, list | tuple | set | frozenset):
        return [to_json_value(item) for item in value]
    if isinstance(value, np.generic):
        return to_json_value(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_json_value(dataclasses.asdict(value))
    return str(value)


def build_manifest(
    result: RunResult,
    *,
    command: Sequence[str] | None = None,
    extra_files: Sequence[str] = (),
) -> dict[str, Any]:
    """Describe a run: what was run, how, with what software, and which tables it produced.

    Args:
        result: The run.
        command: The command line that started it, as a list of arguments.
        extra_files: Names of the extra files written beside the tables.

    Returns:
        JSON-ready manifest.
    """
    scenario = result.scenario
    tables = {name: run_table(result, name) for name in TABLES}
    made = provenance()
    return to_json_value(
        {
            "format": STORE_FORMAT,
            "scenario_name": scenario.name,
            "rules_preset": scenario.rules_preset or None,
            "overrides": dict(scenario.overrides),
            "seed": result.seed,
            "years": result.years,
            "wall_time_s": result.wall_time_s,
            "created_utc": made["created_utc"],
            "host": made["host"],
            "command": shlex.join(command) if command else None,
            "versions": made["versions"],
            "tables": {
                name: {
                    "file": f"{name}.parquet",
                    "rows": len(frame),
                    "columns": list(frame.columns),
                }
                for name, frame in tables.items()
            },
            "summary_figure": SUMMARY_FIGURE if SUMMARY_FIGURE in extra_files else None,
            "files": list(extra_files),
            "scenario": scenario.to_dict(),
        }
    )


# ------------------------------------------------------------------------------------------ writing
def run_table(result: RunResult, name: str) -> pd.DataFrame:
    """A table of a run as it is stored: a named index becomes a column."""
    frame = getattr(result, name)
    if frame is None:
        return pd.DataFrame()
    if frame.index.name is not None or isinstance(frame.index, pd.MultiIndex):
        # A named index carries data (e.g. quarter); Parquet readers should see it as a column.
        frame = frame.reset_index()
    return frame


def write_run(
    result: RunResult,
    out_dir: str | os.PathLike[str],
    *,
    command: Sequence[str] | None = None,
    extra_files: Mapping[str, ExtraFile] | None = None,
) -> Path:
    """Write a run's tables, manifest and extra files to ``out_dir``, all or nothing.

    Everything is written to a hidden sibling folder, which then takes the place of ``out_dir``.
    A previous run in ``out_dir`` is replaced only once the new one is complete; if anything fails,
    the previous run stays, the partial folder and any parent folders made for it are removed, and
    the error is raised.

    Args:
        result: The run, as returned by :func:`computemarket.simulation.runner.run`.
        out_dir: The run folder.
        command: The command line that started the run, recorded in the manifest.
        extra_files: File name to a function that writes that file at the path it is given, e.g.
            ``{"summary.png": draw_summary}``.

    Returns:
        The run folder as an absolute path.

    Raises:
        OutputDirError: If ``out_dir`` cannot take a run (see :func:`check_output_dir`).
        OSError: If writing fails part-way (disk full, permissions changed meanwhile).
    """
    extra_files = dict(extra_files or {})
    out = check_output_dir(out_dir)
    made = _make_parents(out.parent)
    staging = _sibling(out, "partial")
    tables = {name: run_table(result, name) for name in TABLES}
    try:
        staging.mkdir()
        for name, frame in tables.items():
            frame.to_parquet(staging / f"{name}.parquet", index=False)
        manifest = build_manifest(result, command=command, extra_files=list(extra_files))
        text = json.dumps(manifest, indent=2, allow_nan=False)
        (staging / MANIFEST).write_text(text + "\n", encoding="utf-8")
        for name, write in extra_files.items():
            write(staging / name)
        _swap_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in made:  # deepest first; stops mattering once one is not empty
            _remove_if_empty(folder)
        raise
    return out


# ------------------------------------------------------------------------------------------ reading
def read_run(run_dir: str | os.PathLike[str]) -> StoredRun:
    """Read a run folder written by :func:`write_run`.

    Args:
        run_dir: The run folder.

    Returns:
        The manifest and the four tables.

    Raises:
        FileNotFoundError: If the folder or its manifest or a table is missing.
    """
    path = Path(run_dir)
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{path}: not a computemarket run folder (no {MANIFEST})")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    tables = {name: pd.read_parquet(path / f"{name}.parquet") for name in TABLES}
    return StoredRun(path=path, manifest=manifest, **tables)
