"""The on-disk layout of a sweep and the crash-safe ways of writing it.

::

    DIR/manifest.json           spec, versions, design digest, chunking, status of every task
    DIR/design.parquet          one row per run: row, point, replicate, seed, factor columns
    DIR/tasks/task-000042.parquet   the kept metrics of one task's runs (tidy: one row per run x quarter)

A task file is written to a temporary name and renamed into place, so it either exists whole or not
at all; its Parquet footer carries the task's row range, the design digest and any failed runs. The
files are the truth: the manifest is rewritten from them, and ``--resume`` trusts a task file whose
footer matches the design.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from computemarket.store.files import remove_stale_temporaries
from computemarket.store.layout import (
    DESIGN,
    FIGURE_FORMATS,
    FIGURES_DIR,
    LOCK,
    MANIFEST,
    REPORT_FILE,
    SWEEP_FORMAT,
    TASKS_DIR,
    StoreError,
    read_json_manifest,
)

FORMAT_VERSION = SWEEP_FORMAT
TASK_METADATA_KEY = b"computemarket.task"
OUR_FILES = (MANIFEST, DESIGN, LOCK)


class SweepLockedError(StoreError):
    """Another sweep is writing to the folder."""


def task_file(directory: Path, task: int) -> Path:
    """Path of a task's Parquet file."""
    return directory / TASKS_DIR / f"task-{task:06d}.parquet"


def read_task_metadata(path: Path) -> dict[str, Any] | None:
    """The task record in a task file's footer, or ``None`` if the file is missing or unreadable."""
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException):
        return None
    raw = (schema.metadata or {}).get(TASK_METADATA_KEY)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def remove_temporary(directory: Path) -> None:
    """Delete temporary files left by a killed sweep (complete files are never temporary).

    Only call it while holding the folder's lock: it removes every temporary file of ours.
    """
    for folder in (directory, directory / TASKS_DIR):
        remove_stale_temporaries(folder, every=True)


def remove_sweep(directory: Path) -> None:
    """Delete a sweep's own files and what was drawn from them; other files are left alone.

    The sweep's files are its manifest, design and task files; drawn from them are the figures
    ``computemarket plot`` wrote (``figures/*.png|svg``) and ``report.html``, which would be stale.
    """
    figures = directory / FIGURES_DIR
    if figures.is_dir():
        for path in figures.iterdir():
            if path.suffix.lstrip(".") in FIGURE_FORMATS:
                path.unlink()
        with contextlib.suppress(OSError):
            figures.rmdir()
    (directory / REPORT_FILE).unlink(missing_ok=True)
    tasks = directory / TASKS_DIR
    if tasks.is_dir():
        for path in tasks.iterdir():
            if path.name.startswith("task-") or path.name.endswith(".tmp"):
                path.unlink()
        with contextlib.suppress(OSError):
            tasks.rmdir()
    for name in (MANIFEST, DESIGN):
        (directory / name).unlink(missing_ok=True)
    remove_temporary(directory)


@contextlib.contextmanager
def sweep_lock(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on a sweep directory; the kernel releases it if the process dies.

    Raises:
        SweepLockedError: If another sweep holds the lock.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks, run one sweep per folder
        yield
        return
    path = directory / LOCK
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise SweepLockedError(
                f"{directory}: another sweep is writing to this folder (pid {holder}); wait for it or choose another --out"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_manifest(directory: Path) -> dict[str, Any] | None:
    """The manifest of a sweep folder, or ``None`` if there is none.

    Raises:
        DamagedFileError: If the manifest exists but cannot be read.
        StoreError: If it is not a sweep manifest of this format.
    """
    data = read_json_manifest(directory)
    if data is None:
        return None
    if data.get("format") != FORMAT_VERSION:
        raise StoreError(
            f"{directory / MANIFEST}: format: expected a computemarket sweep manifest of format {FORMAT_VERSION}"
        )
    return data
