"""The files of a run folder and of a sweep folder, and how to tell the two apart.

::

    run folder (computemarket run)          sweep folder (computemarket sweep)
      manifest.json  format computemarket.run/1     manifest.json  format 1, experiment, tasks
      metrics|agents|ledger|deals.parquet           design.parquet
      summary.png                                   tasks/task-000042.parquet
                                                    .lock
    and in either, drawn later from it:
      figures/<kind>.png|svg  (computemarket plot)   report.html  (computemarket report)
      summary*.csv, sensitivity-*.csv (computemarket summarize | sensitivity, sweeps)
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from computemarket.errors import UserError

MANIFEST = "manifest.json"
"""The manifest of a run or a sweep folder."""

RUN_FORMAT = "computemarket.run/1"
"""``format`` of a run folder's manifest."""
RUN_TABLES = ("metrics", "agents", "ledger", "deals")
"""The tables of a run, each written to ``<name>.parquet``."""
SUMMARY_FIGURE = "summary.png"
"""The summary figure ``computemarket run`` draws into the run folder."""

SWEEP_FORMAT = 1
"""``format`` of a sweep folder's manifest."""
DESIGN = "design.parquet"
TASKS_DIR = "tasks"
LOCK = ".lock"

VALIDATION_FORMAT = "computemarket.validation/1"
"""``format`` of a validation folder's manifest (``computemarket validate --out``)."""

FIGURES_DIR = "figures"
"""Subfolder of a run or sweep folder where ``computemarket plot`` writes."""
FIGURE_FORMATS = ("png", "svg")
"""Image formats ``computemarket plot`` writes."""
FIGURE_STEMS: dict[str, dict[str, tuple[str, ...]]] = {
    "run": {
        "summary": ("summary",),
        "shares": ("shares",),
        "concentration": ("concentration",),
        "lock-in": ("lock-in",),
        "money-flow": ("money-flow-{year}",),
        "deal-network": ("deal-network-q{quarter}",),
    },
    "sweep": {
        "over-time": ("over-time",),
        "heatmap": ("heatmap-{metric}",),
        "sensitivity": ("sensitivity-{metric}",),
        "crossing": ("crossing-{threshold}",),
        "distribution": ("distribution-{metric}",),
        "decomposition": ("decomposition", "decomposition-versus-{reference}"),
    },
}
"""The file names (without suffix) of the figures ``computemarket plot`` writes into ``figures/``,
by folder kind and figure kind: the figures name their files from these
(:func:`figure_stem`), and only files of these names count as computemarket's when a run is
replaced or a sweep overwritten (:func:`is_plot_figure`); any other file there is a user's."""
REPORT_FILE = "report.html"
"""The report ``computemarket report`` writes into a run or sweep folder by default."""
REPORT_GENERATOR = "computemarket report"
"""The start of the ``<meta name="generator">`` content of every report: how a report that
``computemarket report`` wrote is told from a user's file (:func:`is_report_file`)."""
REPORT_SUFFIX = ".html"
SUMMARY_CSV = "summary.csv"
"""The table ``computemarket summarize`` writes into a sweep folder by default; beside it
``summary-crossing.csv`` and ``summary-effects.csv``."""
SENSITIVITY_CSV = "sensitivity-{metric}.csv"
"""The table ``computemarket sensitivity`` writes into a sweep folder by default."""


def is_derived_table(name: str) -> bool:
    """Whether a file name is one of the tables ``summarize`` or ``sensitivity`` write by default."""
    stem = SUMMARY_CSV.removesuffix(".csv")
    return name in (SUMMARY_CSV, f"{stem}-crossing.csv", f"{stem}-effects.csv") or (
        name.startswith("sensitivity-") and name.endswith(".csv")
    )


class StoreError(UserError):
    """A folder or file is not what a command can read or write. One line naming it and the fix."""


class DamagedFileError(StoreError):
    """A file of a run or sweep is truncated, corrupt or missing; the message names it and the fix."""


def read_json_manifest(path: Path) -> dict[str, Any] | None:
    """A folder's manifest as a dict; ``None`` if it has none.

    Raises:
        DamagedFileError: If the manifest exists but is not a readable JSON object.
    """
    file = path / MANIFEST
    if not file.is_file():
        return None
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise DamagedFileError(
            f"{file}: not a readable manifest ({err.__class__.__name__}: {' '.join(str(err).split())})"
        ) from None
    if not isinstance(data, dict):
        raise DamagedFileError(f"{file}: not a readable manifest (not a JSON object)")
    return data


def folder_kind(path: Path) -> str:
    """What a folder holds: ``"run"``, ``"sweep"``, ``"validation"``, ``"empty"``, ``"missing"`` or ``"other"``.

    A folder whose manifest is missing or damaged is told apart by its other files (a sweep's design,
    tasks or lock; a run's four tables); failing those it is ``"other"``, which no command takes for
    its own.
    """
    if not path.exists() and not path.is_symlink():
        return "missing"
    if not path.is_dir():
        return "other"
    if not any(path.iterdir()):
        return "empty"
    try:
        manifest = read_json_manifest(path)
    except DamagedFileError:
        manifest = None  # told apart by its other files, as a folder without a manifest
    if manifest is None:
        if any((path / name).exists() for name in (DESIGN, TASKS_DIR, LOCK)):
            return "sweep"  # killed before its first manifest, or its manifest is damaged
        if (path / MANIFEST).exists() and all(
            (path / f"{table}.parquet").is_file() for table in RUN_TABLES
        ):
            return "run"  # a run whose manifest is damaged
        return "other"
    if manifest.get("format") == RUN_FORMAT:
        return "run"
    if manifest.get("format") == VALIDATION_FORMAT:
        return "validation"
    if manifest.get("format") == SWEEP_FORMAT and "experiment" in manifest:
        return "sweep"
    return "other"


WRITERS = {
    "run": "computemarket run",
    "sweep": "computemarket sweep",
    "validation": "computemarket validate",
}
"""The command that writes each kind of folder."""


def claim_folder(out: Path, own: str, error: type[Exception], where: str) -> str:
    """The kind of ``out`` (:func:`folder_kind`), refused unless a writer of ``own`` may use it.

    A writer takes a missing or empty folder, or one of its own kind (whether it may replace or
    resume that is its own decision); it refuses a file, another command's folder and a folder of
    other files, so that a typo such as ``--out .`` never replaces a user's files.

    Args:
        out: The folder asked for.
        own: The kind the writer writes: ``"run"``, ``"sweep"`` or ``"validation"``.
        error: The exception to raise (the caller's user-error class).
        where: How the folder is named in the message (``"--out results/x"``).

    Returns:
        The folder's kind: ``"missing"``, ``"empty"`` or ``own``.
    """
    kind = folder_kind(out)
    if kind == "other" and not out.is_dir():
        raise error(f"{where}: exists and is not a folder")
    if kind in WRITERS and kind != own:
        raise error(
            f"{where}: holds a {kind} ({WRITERS[kind]}), not a {own}; choose a new or empty folder"
        )
    if kind == "other":
        raise error(
            f"{where}: holds files that are not a {own}'s (no {own} {MANIFEST}); choose a new or "
            "empty folder (computemarket never writes into a folder of other files)"
        )
    return kind


_REPORT_MARKS = (
    f'<meta name="generator" content="{REPORT_GENERATOR}'.encode(),
    f"<title>{REPORT_GENERATOR}: ".encode(),  # reports written before the generator tag
)


def is_report_file(path: Path) -> bool:
    """Whether ``path`` is a report ``computemarket report`` wrote (which a report may replace).

    It is an ``.html`` file whose head carries the report's generator tag (or, for a report
    written before that tag, its title). Anything else is a user's file, never written over.
    """
    if path.suffix.lower() != REPORT_SUFFIX or not path.is_file():
        return False
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return any(mark in head for mark in _REPORT_MARKS)


def _own_files(folder: Path, kind: str) -> set[str]:
    """The data files of a run folder (its fixed names and those its manifest lists) or a sweep's."""
    if kind == "sweep":
        return {MANIFEST, DESIGN, LOCK}
    names = {MANIFEST, SUMMARY_FIGURE, *(f"{table}.parquet" for table in RUN_TABLES)}
    try:
        manifest = read_json_manifest(folder) or {}
    except DamagedFileError:
        manifest = {}
    names.update(str(name) for name in manifest.get("files") or [])
    names.update(str(name) for name in manifest.get("sha256") or {})
    return names


def data_folder_of(path: str | os.PathLike[str]) -> tuple[str, Path] | None:
    """If ``path`` is one of the data files of a run or sweep folder: that folder's kind and path.

    The data files are what the folder's writer wrote and its readers check: a run's manifest,
    tables and summary figure; a sweep's manifest, design, lock and everything under ``tasks/``.
    The path is taken as given and with symbolic links resolved; the file need not exist.
    """
    given = Path(os.path.abspath(path))
    for candidate in dict.fromkeys((given, given.resolve())):
        for folder in candidate.parents[:2]:
            try:
                kind = folder_kind(folder)
            except OSError:  # an unreadable folder holds nothing a report could replace
                continue
            if kind not in ("run", "sweep"):
                continue
            inside = candidate.relative_to(folder).as_posix()
            if inside in _own_files(folder, kind) or (
                kind == "sweep" and inside.startswith(f"{TASKS_DIR}/")
            ):
                return kind, folder
    return None


def figure_stem(folder: str, kind: str, which: int = 0, **fields: object) -> str:
    """The file name, without suffix, of a figure of ``kind`` (:data:`FIGURE_STEMS`).

    Args:
        folder: ``"run"`` or ``"sweep"``.
        kind: The figure kind, e.g. ``"heatmap"``.
        which: Which of the kind's names (``decomposition`` has two).
        fields: The values of the name's fields, e.g. ``metric="cloud_hhi"``.
    """
    return FIGURE_STEMS[folder][kind][which].format(**fields)


_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?(?:e[-+]?\d+)?|inf|nan)"  # a threshold's value, as :g writes it


def _either(names: Iterable[object]) -> str:
    """A regular expression matching exactly one of ``names`` (none: matching nothing)."""
    texts = sorted({str(name) for name in names}, key=len, reverse=True)
    return "|".join(re.escape(text) for text in texts) or "(?!)"


def _figure_fields(folder: str, manifest: Mapping[str, Any]) -> dict[str, str]:
    """What each field of a figure's name may be, for a run or for the sweep of ``manifest``."""
    if folder == "run":
        return {"year": r"\d+", "quarter": r"\d+"}
    spec = manifest.get("spec") if isinstance(manifest.get("spec"), Mapping) else {}
    kept = (
        (spec.get("keep") or {}).get("metrics") if isinstance(spec.get("keep"), Mapping) else None
    )
    metric = _either([*(manifest.get("units") or {}), *(kept if isinstance(kept, list) else [])])
    factors = spec.get("factors") if isinstance(spec.get("factors"), Mapping) else {}
    levels = [level for values in factors.values() if isinstance(values, list) for level in values]
    return {
        "metric": metric,
        "threshold": f"(?:{metric})-(?:above|below)-{_NUMBER}",
        "reference": _either(levels),
    }


def plot_figure_names(folder: str, manifest: Mapping[str, Any] | None) -> re.Pattern[str]:
    """The names of the files ``computemarket plot`` can write into a run's or sweep's ``figures/``.

    A sweep's metric and arm names come from its manifest (``units``, ``spec``); without a readable
    manifest only the names without fields match, so that a user's file is never taken for ours.

    Args:
        folder: ``"run"`` or ``"sweep"``.
        manifest: The folder's manifest, if it has a readable one.

    Returns:
        A pattern to ``fullmatch`` against a file name, e.g. ``heatmap-cloud_hhi.png``.
    """
    fields = _figure_fields(folder, manifest or {})
    stems = []
    for templates in FIGURE_STEMS[folder].values():
        for template in templates:
            parts = re.split(r"\{(\w+)\}", template)  # literal, field, literal, ...
            stems.append(
                "".join(
                    f"(?:{fields[part]})" if i % 2 else re.escape(part)
                    for i, part in enumerate(parts)
                )
            )
    return re.compile(f"(?:{'|'.join(stems)})\\.(?:{_either(FIGURE_FORMATS)})")


def is_plot_figure(path: Path, folder: str, manifest: Mapping[str, Any] | None) -> bool:
    """Whether ``path`` (in a ``figures/`` folder) is a figure ``computemarket plot`` could write."""
    return path.is_file() and plot_figure_names(folder, manifest).fullmatch(path.name) is not None
