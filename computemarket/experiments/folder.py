"""The sweep folder before any task runs: checks, creation, the design file, what to resume from.

:func:`check_sweep_folder` and :func:`prepare_folder` (with ``dry_run``) refuse bad input before
anything is written; under the folder's lock the sweep engine then makes the folder, writes the
design (again, if it was damaged) and resumes from the previous manifest or rebuilds it.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from computemarket.experiments.design import Design
from computemarket.experiments.spec import ExperimentError, ExperimentSpec
from computemarket.store.files import check_creatable, file_sha256, write_parquet_atomic
from computemarket.store.layout import DESIGN, LOCK, MANIFEST, TASKS_DIR, StoreError, claim_folder
from computemarket.store.schema import column_units, to_arrow
from computemarket.store.sweeps import read_manifest, remove_sweep


def json_normal(data: Any) -> Any:
    """Data as it reads back from JSON (tuples become lists, other values text)."""
    return json.loads(json.dumps(data, default=str))


def spec_differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The top-level keys in which two experiment documents differ."""
    keys = sorted(set(old) | set(new))
    return [key for key in keys if old.get(key) != new.get(key)]


def check_sweep_folder(out: Path) -> None:
    """Check, before anything is written, that a sweep can be written to ``out``.

    ``out`` may be missing, empty, or hold a sweep (then ``--resume`` or ``--overwrite`` decide);
    a run folder or a folder of other files is refused, and so is a place that cannot be written.

    Raises:
        ExperimentError: Naming the folder and what to do.
    """
    claim_folder(out, "sweep", ExperimentError, f"--out {out}")
    check_creatable(out, ExperimentError, f"--out {out}")


def make_folder(out: Path) -> list[Path]:
    """Create ``out`` and its missing parents; return those created, deepest first."""
    missing = []
    folder = out
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
    return missing


def remove_if_still_empty(folders: list[Path]) -> None:
    """Remove folders made for a sweep that wrote nothing (it failed before its first file)."""
    for folder in folders:  # deepest first
        tasks = folder / TASKS_DIR
        with contextlib.suppress(OSError):
            if tasks.is_dir() and not any(tasks.iterdir()):
                tasks.rmdir()
            if {p.name for p in folder.iterdir()} <= {LOCK}:
                (folder / LOCK).unlink(missing_ok=True)
                folder.rmdir()


def write_design(
    out: Path, design: Design, previous: dict[str, Any] | None, log: Callable[[str], None]
) -> str:
    """Write ``design.parquet`` unless an intact copy is there; return its SHA-256."""
    path = out / DESIGN
    recorded = ((previous or {}).get("design") or {}).get("sha256")
    if path.is_file() and recorded and file_sha256(path) == recorded:
        return recorded
    if previous is not None and path.exists():
        log(f"{path}: damaged; writing it again from the experiment")
    factors = design.spec.factor_names
    table = to_arrow(design.table, column_units(design.table.columns, factors=factors))
    return write_parquet_atomic(table, path).sha256


def prepare_folder(
    out: Path,
    spec: ExperimentSpec,
    design: Design,
    *,
    resume: bool,
    overwrite: bool,
    log: Callable[[str], None] = lambda message: None,
    dry_run: bool = False,
) -> dict[str, Any] | None:
    """Check what the folder holds; returns the previous manifest to resume from, or None to start.

    With ``dry_run``, only check: nothing is removed and nothing is logged.
    """
    try:
        manifest = read_manifest(out)
        damaged = None
    except StoreError as err:  # damaged: the task files are the truth, and --resume rebuilds it
        manifest, damaged = None, err
    has_results = (
        manifest is not None
        or damaged is not None
        or (out / DESIGN).exists()
        or any((out / TASKS_DIR).glob("task-*.parquet"))
    )
    if overwrite:
        if not dry_run:
            remove_sweep(out)
        return None
    if not has_results:
        return None
    if not resume:
        done = (
            ""
            if manifest is None
            else f" ({manifest.get('totals', {}).get('runs_ok', 0)} runs done)"
        )
        raise ExperimentError(
            f"{out}: already holds a sweep{done}; pass --resume to finish it or --overwrite to start again"
        )
    if manifest is None:
        why = f"its {MANIFEST} is damaged" if damaged is not None else f"it has no {MANIFEST}"
        if not dry_run:
            log(
                f"{out}: {why}; rebuilding it from the task files (those of another design are run again)"
            )
        return None
    differences = spec_differences(manifest.get("spec", {}), json_normal(spec.to_document()))
    if differences:
        raise ExperimentError(
            f"{out}: holds a different experiment (differs in: {', '.join(differences)}); "
            "resume with the same experiment and options, or pass --overwrite or another --out"
        )
    if manifest.get("design", {}).get("id") != design.design_id:
        raise ExperimentError(
            f"{out}: design.id: the stored design differs from the one this version builds "
            "(a sampler or library changed); pass --overwrite or another --out"
        )
    return manifest


def check_options(
    resume: bool,
    overwrite: bool,
    retry_failed: bool,
    limit: int | None,
    runs_per_task: int | None,
) -> None:
    """Check the options that need no folder and no design (before anything is written).

    Raises:
        ExperimentError: On conflicting options or a ``--limit``/``--chunk`` below 1.
    """
    if resume and overwrite:
        raise ExperimentError(
            "--resume and --overwrite: give one of them (finish the sweep, or start it again)"
        )
    if retry_failed and not resume:
        raise ExperimentError("--retry-failed: only with --resume")
    for option, value in (("--limit", limit), ("--chunk", runs_per_task)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            raise ExperimentError(f"{option}: {value!r} is out of range (allowed: an integer >= 1)")
