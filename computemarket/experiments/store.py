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
import platform
import secrets
import subprocess
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from computemarket.experiments.spec import ExperimentError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DESIGN = "design.parquet"
TASKS_DIR = "tasks"
LOCK = ".lock"
TASK_METADATA_KEY = b"computemarket.task"
OUR_FILES = (MANIFEST, DESIGN, LOCK)

_VERSIONED = (
    "computemarket",
    "mesa",
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "SALib",
    "dask",
    "distributed",
)


def task_file(directory: Path, task: int) -> Path:
    """Path of a task's Parquet file."""
    return directory / TASKS_DIR / f"task-{task:06d}.parquet"


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to a temporary file and rename it over ``path``."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def write_parquet_atomic(table: pa.Table, path: Path) -> int:
    """Write a Parquet file (zstd) under a temporary name and rename it into place.

    Returns:
        The file's size in bytes.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        pq.write_table(table, tmp, compression="zstd")
        size = tmp.stat().st_size
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return size


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
    """Delete temporary files left by a killed sweep (complete files are never temporary)."""
    for folder in (directory, directory / TASKS_DIR):
        if folder.is_dir():
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)


def remove_sweep(directory: Path) -> None:
    """Delete a sweep's own files and what was drawn from them; other files are left alone.

    The sweep's files are its manifest, design and task files; drawn from them are the figures
    ``computemarket plot`` wrote (``figures/*.png|svg``) and ``report.html``, which would be stale.
    """
    # Imported here: computemarket.results imports this module.
    from computemarket.results.figures import FORMATS
    from computemarket.results.report import REPORT_FILE
    from computemarket.results.source import FIGURES_DIR

    figures = directory / FIGURES_DIR
    if figures.is_dir():
        for path in figures.iterdir():
            if path.suffix.lstrip(".") in FORMATS:
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
        ExperimentError: If another sweep holds the lock.
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
            raise ExperimentError(
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


def versions() -> dict[str, str]:
    """Versions of Python, the platform and the libraries that shape results."""
    found = {"python": platform.python_version(), "platform": platform.platform()}
    for name in _VERSIONED:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    revision = _git_revision()
    if revision:
        found["git"] = revision
    return found


def _git_revision() -> str | None:
    """The commit of the source tree the package runs from, if it is a git checkout."""
    package_dir = Path(__file__).resolve().parents[1]
    if not (package_dir.parent / ".git").exists():  # an installed wheel, not a checkout
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(package_dir), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    sha = out.stdout.strip()
    if out.returncode != 0 or not sha:
        return None
    dirty = subprocess.run(
        ["git", "-C", str(package_dir), "status", "--porcelain", "--untracked-files=no", "--", "."],
        capture_output=True,
        text=True,
        timeout=5,
        check=False,
    ).stdout.strip()
    return sha + ("-dirty" if dirty else "")


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def read_manifest(directory: Path) -> dict[str, Any] | None:
    """The manifest of a sweep folder, or ``None`` if there is none.

    Raises:
        ExperimentError: If the manifest exists but cannot be read.
    """
    path = directory / MANIFEST
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ExperimentError(
            f"{path}: not a readable sweep manifest ({err.__class__.__name__}: {err})"
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
        raise ExperimentError(
            f"{path}: format: expected a computemarket sweep manifest of format {FORMAT_VERSION}"
        )
    return data
