"""The on-disk layout of a sweep and the crash-safe ways of writing it.

::

    DIR/manifest.json           spec, versions, design digest, chunking, status of every task, units
    DIR/design.parquet          one row per run: row, point, replicate, seed, factor columns
    DIR/tasks/task-000042.parquet   the kept metrics of one task's runs (tidy: one row per run x
                                quarter: run_id, row, point, replicate, seed, factors, quarter, ...)

Types and units of the columns: :mod:`computemarket.store.schema`.

A task file is written to a temporary name and renamed into place, so it either exists whole or not
at all; its Parquet footer carries the task's row range, the design digest and any failed runs, and
its pages carry CRC checksums. The manifest records each task file's SHA-256. ``--resume`` and every
reader check a task file against them (:func:`check_task_file`): a file that is missing, truncated
or damaged is run again by ``--resume`` and named by a reader with that fix.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from computemarket.store.files import remove_stale_temporaries
from computemarket.store.layout import (
    DESIGN,
    FIGURES_DIR,
    LOCK,
    MANIFEST,
    REPORT_FILE,
    SWEEP_FORMAT,
    TASKS_DIR,
    StoreError,
    is_derived_table,
    is_plot_figure,
    is_report_file,
    read_json_manifest,
)

FORMAT_VERSION = SWEEP_FORMAT
TASK_METADATA_KEY = b"computemarket.task"
OUR_FILES = (MANIFEST, DESIGN, LOCK)
TASK_FILE = re.compile(r"^task-\d{6}\.parquet$")


class SweepLockedError(StoreError):
    """Another sweep is writing to the folder."""


def task_file(directory: Path, task: int) -> Path:
    """Path of a task's Parquet file."""
    return directory / TASKS_DIR / f"task-{task:06d}.parquet"


def check_task_file(path: Path, entry: dict[str, Any] | None = None) -> str | None:
    """What is wrong with a task file, or ``None`` if it is whole.

    With the manifest's entry for the task, the file's SHA-256 must match the recorded one; a task
    file not yet in the manifest (a sweep killed between writing it and recording it) is read whole,
    which checks the CRC of every page.

    Args:
        path: The task file.
        entry: The manifest's entry for the task (with ``sha256``), if any.

    Returns:
        ``"missing"``, ``"unreadable (...)"`` or ``"damaged (...)"``, or ``None``.
    """
    return read_checked_table(path, (entry or {}).get("sha256"))[1]


def read_checked_table(path: Path, digest: str | None = None) -> tuple[pa.Table | None, str | None]:
    """Read a Parquet file of the store once, checking it: ``(table, None)`` or ``(None, problem)``.

    Args:
        path: The file.
        digest: Its SHA-256 as the manifest records it; without one, every page's CRC is checked.

    Returns:
        The table, or what is wrong with the file (``"missing"``, ``"damaged (...)"``).
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, "missing"
    except OSError as err:
        return None, f"unreadable ({err.strerror})"
    if digest is not None and hashlib.sha256(data).hexdigest() != digest:
        return None, f"damaged (its checksum differs from the one in {MANIFEST})"
    try:
        table = pq.read_table(pa.BufferReader(data), page_checksum_verification=digest is None)
    except (OSError, pa.ArrowException) as err:
        return None, f"damaged ({' '.join(str(err).split())[:120]})"
    return table, None


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
    ``computemarket plot`` wrote (``figures/`` files of the names it gives them, e.g.
    ``heatmap-<metric>.png`` for a metric of this sweep: :func:`is_plot_figure`), the report
    ``report.html`` (if it is one: :func:`is_report_file`) and the tables ``summarize`` and
    ``sensitivity`` wrote under their default names, which would be stale. A user's own image in
    ``figures/`` (``heatmap-mine.png``) or own ``report.html`` stays.
    """
    try:
        manifest = read_json_manifest(directory)
    except StoreError:  # damaged: only the figure names without a metric or arm are known
        manifest = None
    figures = directory / FIGURES_DIR
    if figures.is_dir():
        for path in figures.iterdir():
            if is_plot_figure(path, "sweep", manifest):
                path.unlink()
        with contextlib.suppress(OSError):
            figures.rmdir()
    if is_report_file(directory / REPORT_FILE):
        (directory / REPORT_FILE).unlink()
    for path in directory.iterdir():
        if path.is_file() and is_derived_table(path.name):
            path.unlink()
    tasks = directory / TASKS_DIR
    remove_temporary(directory)
    if tasks.is_dir():
        for path in tasks.iterdir():
            if TASK_FILE.match(path.name):
                path.unlink()
        with contextlib.suppress(OSError):
            tasks.rmdir()
    for name in (MANIFEST, DESIGN):
        (directory / name).unlink(missing_ok=True)


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
