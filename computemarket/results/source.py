"""Open a results folder for figures and reports: a run or a sweep, told apart by its files.

A run folder (``computemarket run``) holds ``manifest.json`` with ``format`` =
``computemarket.run/1`` and four Parquet tables; a sweep folder (``computemarket sweep``) holds
``manifest.json`` and ``design.parquet``.
"""

from __future__ import annotations

import json
from pathlib import Path

from computemarket.errors import one_line
from computemarket.results.errors import FigureError
from computemarket.results.load import SweepResults, load
from computemarket.store.layout import DESIGN, FIGURES_DIR
from computemarket.store.runs import MANIFEST, STORE_FORMAT, StoredRun, read_run

__all__ = ["FIGURES_DIR", "FigureError", "open_results"]


def open_results(directory: str | Path) -> StoredRun | SweepResults:
    """Read a run folder or open a sweep folder.

    Args:
        directory: The ``--out`` folder of ``computemarket run`` or ``computemarket sweep``.

    Returns:
        A :class:`~computemarket.store.runs.StoredRun` or a
        :class:`~computemarket.results.load.SweepResults`.

    Raises:
        FigureError: If the folder is missing or holds neither a run nor a sweep.
        DamagedFileError: If a file of the run or sweep is missing, truncated or damaged (the
            message names it and the fix).
    """
    path = Path(directory)
    if not path.is_dir():
        what = "is not a folder" if path.exists() else "no such folder"
        raise FigureError(
            f"{path}: {what} (expected the --out folder of `computemarket run` or `sweep`)"
        )
    manifest = _read_manifest(path)
    if manifest.get("format") == STORE_FORMAT:
        return read_run(path)
    if "experiment" in manifest:
        return load(path)
    raise FigureError(
        f"{path}: not a computemarket run or sweep folder (its {MANIFEST} has neither "
        f"format {STORE_FORMAT!r} nor an experiment with {DESIGN})"
    )


def _read_manifest(path: Path) -> dict:
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise FigureError(
            f"{path}: not a computemarket run or sweep folder (no {MANIFEST}; expected the --out "
            "folder of `computemarket run` or `computemarket sweep`)"
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FigureError(f"{manifest_path}: unreadable manifest ({one_line(err)})") from None
    if not isinstance(manifest, dict):
        raise FigureError(f"{manifest_path}: unreadable manifest (not a JSON object)")
    return manifest
