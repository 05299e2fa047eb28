"""The on-disk store of one run: Parquet tables, a JSON manifest and extra files such as a figure.

A run folder holds ``metrics.parquet``, ``agents.parquet``, ``ledger.parquet``, ``deals.parquet``,
``manifest.json`` and the extra files the caller draws (``computemarket run`` adds
``summary.png``). It is written into a hidden sibling folder first and moved into place only when
complete, so a reader never sees half a run and a failed write leaves any previous run in that
folder as it was. The hidden folder's name carries the writer's process id: if the writer is
killed outright, the next write beside it removes it (and puts back a previous run that a kill
left half-replaced).
A symbolic link given as the folder stays a link: the run is written into the folder it points
to, staged beside that folder.

A folder is replaced only if it holds a run and nothing else that computemarket did not write
(the run's files, the figures of ``computemarket plot`` under the names it gives them, the report
of ``computemarket report``): a user's own files are never deleted. The manifest records the SHA-256 of every file, and :func:`read_run` checks them.
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
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from computemarket.store.files import (
    PARQUET_OPTIONS,
    check_creatable,
    file_sha256,
    pid_alive,
    temporary_owner,
)
from computemarket.store.layout import (
    FIGURES_DIR,
    MANIFEST,
    REPORT_FILE,
    RUN_FORMAT,
    RUN_TABLES,
    SUMMARY_FIGURE,
    DamagedFileError,
    StoreError,
    claim_folder,
    is_plot_figure,
    is_report_file,
    read_json_manifest,
)
from computemarket.store.provenance import provenance
from computemarket.store.schema import column_units, run_id, to_arrow

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


def _target(out: Path) -> Path:
    """The folder a run is written into: ``out``, or the folder a symbolic link ``out`` points to.

    A run is staged beside this folder and moved into its place, so the link stays a link to the
    new run (moving a folder over a link would replace the link and leave the old run behind it).
    """
    return Path(os.path.realpath(out)) if out.is_symlink() else out


def _foreign_files(out: Path) -> list[str]:
    """Files in a run folder that computemarket did not write (its run, figures and report).

    Only the names computemarket gives count as its own: in ``figures/`` the names ``computemarket
    plot`` can write (:func:`~computemarket.store.layout.is_plot_figure`), and ``report.html`` only
    if it is a report (:func:`~computemarket.store.layout.is_report_file`). A user's image in
    ``figures/`` or own ``report.html`` is therefore never replaced with the run.
    """
    try:
        manifest = read_json_manifest(out) or {}
    except DamagedFileError:
        manifest = {}
    ours = {MANIFEST, *(f"{name}.parquet" for name in TABLES)}
    ours.update(str(name) for name in manifest.get("files") or [])
    foreign = []
    for path in sorted(out.iterdir()):
        if path.name in ours or temporary_owner(path.name) is not None:
            continue
        if path.name == REPORT_FILE and is_report_file(path):
            continue
        if path.name == FIGURES_DIR and path.is_dir():
            foreign += [
                f"{FIGURES_DIR}/{figure.name}" + ("/" if figure.is_dir() else "")
                for figure in sorted(path.iterdir())
                if not (
                    is_plot_figure(figure, "run", manifest)
                    or temporary_owner(figure.name) is not None
                )
            ]
            continue
        foreign.append(path.name + ("/" if path.is_dir() else ""))
    return foreign


def check_output_dir(out_dir: str | os.PathLike[str]) -> Path:
    """Check, before any work, that a run can be written to ``out_dir``; create nothing.

    The folder may be missing (it and its parents are made on write), empty, or hold a previous
    run and only what computemarket drew from it (it is then replaced). Any other folder is
    refused, so that a typo such as ``--out .`` cannot replace a folder of other files, a sweep,
    or a user's notes beside a run.

    Args:
        out_dir: The run folder asked for.

    A symbolic link to a folder is followed: the run is written into the folder it points to and
    the link is kept.

    Returns:
        The folder as an absolute path (a link as given, not resolved).

    Raises:
        OutputDirError: If the path is a file, lies under a file, holds a sweep or files
            computemarket did not write, or its nearest existing parent is not writable.
    """
    out = _absolute(out_dir)
    target = _target(out)
    for path in (out, target):
        if path.parent == path:
            raise OutputDirError(f"{out}: cannot write a run to the root of the file system")
    kind = claim_folder(target, "run", OutputDirError, str(out))
    if kind == "run":
        foreign = _foreign_files(target)
        if foreign:
            shown = ", ".join(foreign[:5]) + (
                f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
            )
            raise OutputDirError(
                f"{out}: holds a run and files computemarket did not write ({shown}); move them "
                "or choose another folder, so that replacing the run deletes nothing of yours"
            )
    # A run is staged beside its folder and moved into place: files are created in its parent.
    check_creatable(target.parent, OutputDirError, str(out))
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
    return out.parent / f".{out.name}.{role}-{os.getpid()}-{secrets.token_hex(4)}"


def _staging_owner(out: Path, path: Path, role: str) -> int | None:
    """The process id of a hidden ``partial`` or ``previous`` folder of ``out``, else ``None``."""
    prefix = f".{out.name}.{role}-"
    if not path.name.startswith(prefix):
        return None
    pid, _, token = path.name.removeprefix(prefix).partition("-")
    return int(pid) if pid.isdigit() and len(token) == 8 else None


def remove_stale_staging(out_dir: str | os.PathLike[str]) -> list[Path]:
    """Clean up after a writer of ``out_dir`` that was killed outright (SIGKILL, power loss).

    Its hidden partial folder is removed; a previous run it had moved aside but not yet
    replaced is put back in place (if nothing has taken its place since).

    Returns:
        The hidden folders removed or put back.
    """
    cleaned: list[Path] = []
    given = _absolute(out_dir)
    for out in dict.fromkeys((given, _target(given))):  # a link's and its folder's
        if not out.parent.is_dir():
            continue
        for path in sorted(out.parent.iterdir()):
            for role in ("partial", "previous"):
                owner = _staging_owner(out, path, role)
                if owner is None or pid_alive(owner):
                    continue
                if role == "previous" and not (out.exists() or out.is_symlink()):
                    os.rename(path, out)
                elif path.is_symlink():  # a link moved aside (older versions): not the run itself
                    path.unlink()
                else:
                    shutil.rmtree(path, ignore_errors=True)
                cleaned.append(path)
    return cleaned


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
    checksums: Mapping[str, str] | None = None,
    tables: Mapping[str, pd.DataFrame] | None = None,
) -> dict[str, Any]:
    """Describe a run: what was run, how, with what software, and which tables it produced.

    Args:
        result: The run.
        command: The command line that started it, as a list of arguments.
        extra_files: Names of the extra files written beside the tables.
        checksums: SHA-256 of each file written, by file name.
        tables: The tables as stored (:func:`stored_table`), if already made.

    Returns:
        JSON-ready manifest.
    """
    checksums = dict(checksums or {})
    scenario = result.scenario
    if tables is None:
        identity = run_id(scenario, result.years, result.seed)
        tables = {name: stored_table(result, name, identity) for name in TABLES}
    made = provenance()
    return to_json_value(
        {
            "format": STORE_FORMAT,
            "scenario_name": scenario.name,
            "rules_preset": scenario.rules_preset or None,
            "overrides": dict(scenario.overrides),
            "seed": result.seed,
            "run_id": _the_run_id(tables["metrics"]),
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
                    "units": column_units(frame.columns, name),
                    "sha256": checksums.get(f"{name}.parquet"),
                }
                for name, frame in tables.items()
            },
            "summary_figure": SUMMARY_FIGURE if SUMMARY_FIGURE in extra_files else None,
            "files": list(extra_files),
            "sha256": checksums,
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


RUN_KEYS = ("run_id", "seed")
"""The columns that name the run in each of its stored tables, first."""


def _the_run_id(metrics: pd.DataFrame) -> str | None:
    return str(metrics["run_id"].iloc[0]) if len(metrics) else None


def stored_table(result: RunResult, name: str, identity: str) -> pd.DataFrame:
    """A table of a run as its file holds it: ``run_id`` and ``seed`` first, then the table.

    ``run_id`` (:func:`computemarket.store.schema.run_id`) and ``seed`` let rows of many runs be
    read together (``read_parquet('results/*/metrics.parquet')``) and still be told apart.

    Args:
        result: The run.
        name: ``metrics``, ``agents``, ``ledger`` or ``deals``.
        identity: The run's id.
    """
    frame = run_table(result, name)
    # int64 like a sweep's seeds; a run that drew fresh entropy has none (a nullable column).
    seed = pd.Series(
        result.seed, index=frame.index, dtype="int64" if result.seed is not None else "Int64"
    )
    ids = pd.DataFrame({"run_id": identity, "seed": seed}, index=frame.index)
    return pd.concat([ids, frame], axis=1)


def write_table(frame: pd.DataFrame, name: str, path: Path) -> None:
    """Write a run's table as the store does (types, units: :mod:`computemarket.store.schema`)."""
    table: pa.Table = to_arrow(frame, column_units(frame.columns, name))
    pq.write_table(table, path, **PARQUET_OPTIONS)


def write_run(
    result: RunResult,
    out_dir: str | os.PathLike[str],
    *,
    command: Sequence[str] | None = None,
    extra_files: Mapping[str, ExtraFile] | None = None,
) -> Path:
    """Write a run's tables, manifest and extra files to ``out_dir``, all or nothing.

    Everything is written to a hidden sibling folder, which then takes the place of ``out_dir``
    (of the folder it points to, if it is a symbolic link: the link stays).
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
    remove_stale_staging(out_dir)
    out = check_output_dir(out_dir)
    target = _target(out)  # a link to a folder stays; the run goes where it points
    made = _make_parents(target.parent)
    staging = _sibling(target, "partial")
    identity = run_id(result.scenario, result.years, result.seed)
    tables = {name: stored_table(result, name, identity) for name in TABLES}
    try:
        staging.mkdir()
        for name, frame in tables.items():
            write_table(frame, name, staging / f"{name}.parquet")
        for name, write in extra_files.items():
            write(staging / name)
        checksums = {
            path.name: file_sha256(path) for path in sorted(staging.iterdir()) if path.is_file()
        }
        manifest = build_manifest(
            result,
            command=command,
            extra_files=list(extra_files),
            checksums=checksums,
            tables=tables,
        )
        text = json.dumps(manifest, indent=2, allow_nan=False)
        (staging / MANIFEST).write_text(text + "\n", encoding="utf-8")
        _swap_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in made:  # deepest first; stops mattering once one is not empty
            _remove_if_empty(folder)
        raise
    return out


# ------------------------------------------------------------------------------------------ reading
def _fix(path: Path, manifest: dict[str, Any]) -> str:
    command = (
        manifest.get("command") or f"computemarket run {manifest.get('scenario_name', 'SCENARIO')}"
    )
    if "--out" not in command:
        command += f" --out {path}"
    return f"run it again: {command}"


def verify_run(path: Path, manifest: dict[str, Any]) -> None:
    """Check that every file the run's manifest lists is present and has its recorded SHA-256.

    A manifest written before checksums were recorded is checked for presence only.

    Raises:
        DamagedFileError: Naming the first missing or damaged file and the fix.
    """
    recorded: dict[str, str | None] = {f"{name}.parquet": None for name in TABLES}
    recorded.update(manifest.get("sha256") or {})
    for name, digest in recorded.items():
        file = path / name
        if not file.is_file():
            raise DamagedFileError(f"{file}: missing from the run folder; {_fix(path, manifest)}")
        if digest is not None and file_sha256(file) != digest:
            raise DamagedFileError(
                f"{file}: damaged (its checksum differs from the one in {MANIFEST}); "
                f"{_fix(path, manifest)}"
            )


def read_run(run_dir: str | os.PathLike[str]) -> StoredRun:
    """Read a run folder written by :func:`write_run`, checking every file's checksum.

    Args:
        run_dir: The run folder.

    Returns:
        The manifest and the four tables.

    Raises:
        StoreError: If the folder holds no run.
        DamagedFileError: If the manifest or a table is missing, unreadable or damaged.
    """
    path = Path(run_dir)
    manifest = read_json_manifest(path) if path.is_dir() else None
    if manifest is None or manifest.get("format") != STORE_FORMAT:
        raise StoreError(f"{path}: not a computemarket run folder (no run {MANIFEST})")
    verify_run(path, manifest)
    tables = {}
    for name in TABLES:
        try:
            tables[name] = pd.read_parquet(path / f"{name}.parquet")
        except (OSError, ValueError) as err:  # pyarrow's errors are OSError or ValueError
            raise DamagedFileError(
                f"{path / name}.parquet: unreadable ({type(err).__name__}: "
                f"{' '.join(str(err).split())}); {_fix(path, manifest)}"
            ) from None
    return StoredRun(path=path, manifest=manifest, **tables)
