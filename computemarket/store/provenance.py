"""Provenance of a run or a sweep: software versions, git revision, time and host.

:func:`provenance` is the one place that says what produced a result; both the run manifest and
the sweep manifest record its output, so a reader can tell two results apart by what made them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import platform
import socket
import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

VERSIONED_PACKAGES = (
    "computemarket",
    "mesa",
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "matplotlib",
    "SALib",
    "dask",
    "distributed",
)
"""Packages whose versions shape a result's numbers, files or figures."""


def now() -> str:
    """The current UTC time, ISO 8601 to the second (``2026-03-01T12:00:00+00:00``)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def versions() -> dict[str, str]:
    """Versions of Python, the platform and the packages that shape results.

    From a git checkout, ``git`` is the source's revision (``-dirty`` if tracked files of the
    package were changed).
    """
    found = {"python": platform.python_version(), "platform": platform.platform()}
    for name in VERSIONED_PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    revision = git_revision()
    if revision:
        found["git"] = revision
    return found


@cache
def git_revision() -> str | None:
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
        sha = out.stdout.strip()
        if out.returncode != 0 or not sha:
            return None
        dirty = subprocess.run(
            # Only the package's own files: a changed doc does not change a result.
            [
                "git",
                "-C",
                str(package_dir),
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                ".",
            ],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return sha + ("-dirty" if dirty else "")


def provenance() -> dict[str, Any]:
    """What produced a result and when: ``created_utc``, ``host`` and ``versions``."""
    return {"created_utc": now(), "host": socket.gethostname(), "versions": versions()}
