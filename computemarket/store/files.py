"""Atomic writes: every file is written under a temporary name and renamed into place.

A reader therefore sees a file whole or not at all, and a failure (disk full, Ctrl-C, SIGTERM)
leaves any previous file untouched: the temporary file is removed on the way out. A process killed
outright (SIGKILL, power loss) cannot clean up; its temporary files carry its process id, so the
next command that writes into the folder removes them (:func:`remove_stale_temporaries`).

Every command of the package writes through :func:`atomic_path` or one of the ``write_*_atomic``
helpers; groups of files that belong together (the figures of one ``plot``, the tables of one
``summarize``) go through :func:`atomic_paths`, so that either all of them are replaced or none.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from computemarket.store.layout import StoreError

TEMPORARY_SUFFIX = ".tmp"
PARQUET_OPTIONS: dict[str, Any] = {"compression": "zstd", "write_page_checksum": True}
"""How every Parquet file of the store is written: zstd, a CRC per page."""
_TEMPORARY = re.compile(r"^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$")


@dataclass(frozen=True)
class WrittenFile:
    """A file written atomically: its size and SHA-256, to be recorded in a manifest."""

    bytes: int
    sha256: str


def temporary_path(path: Path) -> Path:
    """A hidden temporary name beside ``path``: ``.<name>.<pid>.<token>.tmp``."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMPORARY_SUFFIX}")


def _discard(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, clean: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` when the block succeeds.

    If the block raises (including ``KeyboardInterrupt``), the temporary file is removed and the
    previous ``path``, if any, is left as it was.

    Example::

        with atomic_path(out / "figure.png") as tmp:
            figure.savefig(tmp, format="png")
    """
    with atomic_paths([path], clean=clean) as (tmp,):
        yield tmp


@contextlib.contextmanager
def atomic_paths(
    paths: Sequence[str | os.PathLike[str]], *, clean: bool = False
) -> Iterator[list[Path]]:
    """Like :func:`atomic_path` for several files that belong together: all are replaced, or none.

    The files are renamed into place only once every one has been written; renames within a
    folder do not need space, so they do not fail where the writing could. With ``clean``, the
    temporary files that dead processes of this machine left in the same folders are removed
    first (not for folders that workers on other machines write into: their process ids mean
    nothing here).

    Raises:
        StoreError: If a target is an existing folder (before anything is written).
    """
    targets = [Path(p) for p in paths]
    # A folder where a file goes would fail only at its rename, after the others were replaced.
    for target in targets:
        if target.is_dir():
            raise StoreError(f"{target}: is a folder, not a file; move it or choose another name")
    if clean:
        for folder in {target.parent for target in targets}:
            remove_stale_temporaries(folder)
    temporaries = [temporary_path(p) for p in targets]
    try:
        yield temporaries
        for tmp, target in zip(temporaries, targets, strict=True):
            os.replace(tmp, target)
    except BaseException:
        for tmp in temporaries:
            _discard(tmp)
        raise


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def write_bytes_atomic(
    path: str | os.PathLike[str], data: bytes, *, clean: bool = False
) -> WrittenFile:
    """Write bytes atomically; return the file's size and SHA-256."""
    with atomic_path(path, clean=clean) as tmp:
        tmp.write_bytes(data)
    return WrittenFile(len(data), hashlib.sha256(data).hexdigest())


def write_text_atomic(
    path: str | os.PathLike[str], text: str, *, clean: bool = False
) -> WrittenFile:
    """Write UTF-8 text atomically; return the file's size and SHA-256."""
    return write_bytes_atomic(path, text.encode("utf-8"), clean=clean)


def write_json_atomic(
    path: str | os.PathLike[str], data: Any, *, indent: int = 1, allow_nan: bool = True
) -> WrittenFile:
    """Write JSON atomically (values JSON cannot hold are written as text)."""
    text = json.dumps(data, indent=indent, default=str, allow_nan=allow_nan) + "\n"
    return write_text_atomic(path, text)


def write_parquet_atomic(table: pa.Table, path: str | os.PathLike[str]) -> WrittenFile:
    """Write a Parquet file (zstd, a CRC per page) atomically; return its size and SHA-256."""
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, **PARQUET_OPTIONS)
        written = WrittenFile(tmp.stat().st_size, file_sha256(tmp))
    return written


def pid_alive(pid: int) -> bool:
    """Whether a process of this machine with that id is running (zombies count as dead)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    except OSError:
        return False
    try:  # a killed process stays a zombie until its parent reaps it
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def temporary_owner(name: str) -> int | None:
    """The process id in a temporary file's name, or ``None`` if the name is not one of ours."""
    match = _TEMPORARY.match(name)
    return int(match.group(1)) if match else None


def remove_stale_temporaries(folder: Path, *, every: bool = False) -> list[Path]:
    """Remove the temporary files that dead processes left in ``folder`` (not in its subfolders).

    Args:
        folder: The folder to clean.
        every: Remove every temporary file of ours, also those of running processes (only when
            the caller holds the folder's lock, so that nothing else writes there).

    Returns:
        The files removed.
    """
    removed = []
    if not folder.is_dir():
        return removed
    for path in folder.iterdir():
        owner = temporary_owner(path.name)
        if owner is None or not (every or not pid_alive(owner)):
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


def unwritable_reason(path: str | os.PathLike[str]) -> str | None:
    """Why a file cannot be written at ``path``, or ``None`` if it can (nothing is left behind).

    The file's folder must exist; a file is created there and removed again, which also catches
    read-only mounts, ``/proc``, ACLs and running as root, unlike ``os.access``.
    """
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        return f"{target} is a folder, not a file"
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        return f"its folder {folder} {what}"
    try:
        fd, probe = tempfile.mkstemp(prefix=".computemarket-probe-", dir=folder)
    except OSError as err:
        return f"cannot write in {folder} ({err.strerror})"
    os.close(fd)
    os.unlink(probe)
    return None


def check_creatable(folder: Path, error: type[Exception], where: str) -> None:
    """Check that files can be created in ``folder``, or in the folders that would be made for it.

    The nearest existing one of ``folder`` and its parents must be a folder in which a file can
    be written (:func:`unwritable_reason`); nothing is created.

    Args:
        folder: Where the writer will create its files (a missing folder is made on write).
        error: The exception to raise (the caller's user-error class).
        where: How the output is named in the message (``"--out results/x"``).
    """
    existing = folder
    while not (existing.exists() or existing.is_symlink()):
        existing = existing.parent
    if not existing.is_dir():
        raise error(f"{where}: cannot create it, {existing} is a file, not a folder")
    why = unwritable_reason(existing / ".computemarket-probe")
    if why is not None:
        raise error(f"{where}: {why}")
