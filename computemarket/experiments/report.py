"""What a sweep did: counts, failures and what to do next, for the terminal and the exit code."""

from __future__ import annotations

import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class SweepReport:
    """What a sweep did.

    Attributes:
        name: Experiment name.
        out: Output folder.
        experiment: How to name the experiment on the command line (shipped name or file path).
        executor: Where the tasks ran.
        runs_planned: Runs in the planned rows (all rows, or the first ``--limit``).
        tasks_planned: Tasks covering the planned rows.
        tasks_skipped: Tasks already finished before this call (``--resume``).
        tasks_run: Tasks finished by this call.
        runs_run: Runs executed by this call (finished or failed).
        runs_ok: Planned runs that have results (including skipped tasks).
        failures: Failed runs of planned tasks: row, point, replicate, seed, error (and traceback).
        task_errors: Tasks that did not finish: task number to error (e.g. a worker died).
        interrupted: Whether Ctrl-C (or SIGTERM) stopped the sweep.
        interrupted_by: The signal that stopped it (SIGINT for Ctrl-C, SIGTERM), else 0.
        repaired: Task files found missing or damaged by ``--resume`` and run again.
        wall_s: Seconds this call took.
    """

    name: str
    out: Path
    experiment: str = ""
    executor: str = ""
    runs_planned: int = 0
    tasks_planned: int = 0
    tasks_skipped: int = 0
    tasks_run: int = 0
    runs_run: int = 0
    runs_ok: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    task_errors: dict[int, str] = field(default_factory=dict)
    interrupted: bool = False
    interrupted_by: int = 0
    repaired: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def tasks_pending(self) -> int:
        """Planned tasks without a result file."""
        return self.tasks_planned - self.tasks_skipped - self.tasks_run

    @property
    def exit_code(self) -> int:
        """0 if every planned run finished, 130 (143) if Ctrl-C (SIGTERM) stopped it, 1 if any failed."""
        if self.interrupted:
            return 128 + (self.interrupted_by or signal.SIGINT)
        return 1 if self.failures or self.task_errors or self.tasks_pending else 0

    def summary_lines(self, max_failures: int = 5) -> list[str]:
        """A few lines for the terminal: counts, then the first failures and what to do next."""
        rate = (
            f" ({self.runs_run / self.wall_s:.1f} runs/s)"
            if self.wall_s > 0 and self.runs_run
            else ""
        )
        lines = [
            f"{self.name}: {self.runs_ok}/{self.runs_planned} runs ok, {len(self.failures)} failed, "
            f"{self.tasks_pending} of {self.tasks_planned} tasks not finished; {self.wall_s:.1f} s{rate} -> {self.out}"
        ]
        if self.repaired:
            shown = ", ".join(self.repaired[:5]) + (" ..." if len(self.repaired) > 5 else "")
            lines.append(
                f"  ran again {len(self.repaired)} missing or damaged task file(s): {shown}"
            )
        for failure in self.failures[:max_failures]:
            lines.append(
                f"  failed: row {failure['row']} (point {failure['point']}, seed {failure['seed']}): {failure['error']}"
            )
        if len(self.failures) > max_failures:
            lines.append(
                f"  ... and {len(self.failures) - max_failures} more (tracebacks: computemarket.results.load(DIR).failures)"
            )
        for task, error in list(self.task_errors.items())[:max_failures]:
            lines.append(f"  task {task} did not finish: {error}")
        if self.tasks_pending:
            lines.append(
                f"  finish it with: computemarket sweep {self.experiment} --out {self.out} --resume"
            )
        elif self.failures:
            lines.append(
                "  after fixing the cause, rerun the failed tasks with --resume --retry-failed"
            )
        return lines


# ------------------------------------------------------------------------------------------ manifest
