"""A run folder as ``computemarket run`` writes it: the store's tables and manifest, plus the summary figure."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from computemarket.results.plots import save_summary
from computemarket.store.layout import SUMMARY_FIGURE
from computemarket.store.runs import run_table
from computemarket.store.runs import write_run as write_run_folder

if TYPE_CHECKING:
    from computemarket.simulation.runner import RunResult


def figure_title(result: RunResult) -> str:
    """The summary figure's title: scenario, rules, seed and horizon."""
    rules = result.scenario.rules_preset or "scenario rules"
    return f"{result.scenario.name} - {rules} - seed {result.seed} - {result.years} years"


def write_run(
    result: RunResult,
    out_dir: str | os.PathLike[str],
    *,
    command: Sequence[str] | None = None,
) -> Path:
    """Write a run folder with its summary figure, all or nothing.

    See :func:`computemarket.store.runs.write_run` for what is written and when a previous run is
    replaced.

    Args:
        result: The run.
        out_dir: The run folder.
        command: The command line that started the run, recorded in the manifest.

    Returns:
        The run folder as an absolute path.
    """

    def draw_summary(path: Path) -> None:
        save_summary(
            run_table(result, "metrics"),
            run_table(result, "agents"),
            path,
            title=figure_title(result),
        )

    return write_run_folder(
        result, out_dir, command=command, extra_files={SUMMARY_FIGURE: draw_summary}
    )
