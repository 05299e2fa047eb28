"""Read a sweep folder back: the design, the kept metrics of every run, final values, failures.

>>> from computemarket.results import load
>>> sweep = load("results/commitment-vs-switching")
>>> sweep.summary(["cloud_hhi"], year=2036)          # mean, sd, 95% CI per point in 2036
>>> sweep.crossing("cloud_hhi", 1800, after=10)       # P(HHI > 1,800 ten years in), time to cross

A time is a calendar year (``year=2036``, as in the tables' ``year`` column; ``2036.25`` is its
second quarter) or years from the start of the runs (``after=10`` is quarter 40); the default is
the horizon. Every file is checked as it is read: a task file that is missing, truncated or damaged
is named in a :class:`~computemarket.store.layout.DamagedFileError` with the fix (``--resume``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from computemarket.results.errors import ResultsError
from computemarket.results.sensitivity import sensitivity_indices
from computemarket.results.summary import point_summary, threshold_crossing
from computemarket.store.layout import DESIGN, MANIFEST, TASKS_DIR, DamagedFileError, StoreError
from computemarket.store.sweeps import (
    TASK_FILE,
    TASK_METADATA_KEY,
    read_checked_table,
    read_manifest,
)

RUN_KEYS = ("row", "point", "replicate", "seed")
_NOT_METRICS = {"run_id", *RUN_KEYS, "quarter", "year"}


def when_text(year: float | None = None, after: float | None = None, horizon: int = 0) -> str:
    """How a time is named in titles and messages: ``2036``, ``10 years in`` or the horizon."""
    if year is not None:
        return f"{year:g}"
    if after is not None:
        return f"{after:g} year{'s' * (after != 1)} in"
    return f"the horizon ({horizon} years in)"


class SweepResults:
    """A sweep on disk, read lazily.

    Attributes:
        directory: The sweep folder.
        manifest: The parsed ``manifest.json`` (spec, versions, task status).
        name: Experiment name.
        factors: Factor columns, in the experiment's order.
        years: Horizon of every run, in years.
    """

    def __init__(self, directory: Path, manifest: dict[str, Any]) -> None:
        self.directory = directory
        self.manifest = manifest
        self.name: str = manifest["experiment"]
        self.factors: list[str] = list(manifest["design"]["factors"])
        self.years: int = int(manifest["spec"]["years"])

    def __repr__(self) -> str:
        done = self.design["status"].value_counts().to_dict()
        return f"SweepResults({self.name!r}, {len(self.design)} runs: {done}, {self.directory})"

    @property
    def resume_command(self) -> str:
        """The command that finishes or repairs this sweep."""
        source = self.manifest.get("source", "shipped")
        experiment = self.name if source == "shipped" else source
        return f"computemarket sweep {experiment} --out {self.directory} --resume"

    def _damaged(
        self, path: Path, problem: str, fix: str = "run its task again"
    ) -> DamagedFileError:
        return DamagedFileError(f"{path}: {problem}; {fix}: {self.resume_command}")

    # ------------------------------------------------------------------------------------ tables
    def _task_entry(self, path: Path) -> dict[str, Any] | None:
        """The manifest's record of a finished task file, or ``None``."""
        entry = self.manifest.get("tasks", {}).get(str(int(path.stem.removeprefix("task-"))))
        return entry if entry and entry.get("status") in ("done", "failed") else None

    def _read_task(self, path: Path) -> pa.Table:
        entry = self._task_entry(path)
        table, problem = read_checked_table(path, (entry or {}).get("sha256"))
        if problem is not None:
            raise self._damaged(path, problem)
        return table

    @cached_property
    def _task_tables(self) -> tuple[pa.Table | None, list[dict[str, Any]]]:
        design_id = self.manifest["design"]["id"]
        tasks = self.directory / TASKS_DIR
        present = (
            {p.name for p in tasks.iterdir() if TASK_FILE.match(p.name)}
            if tasks.is_dir()
            else set()
        )
        for number, entry in self.manifest.get("tasks", {}).items():
            name = f"task-{int(number):06d}.parquet"
            if entry.get("status") in ("done", "failed") and name not in present:
                raise self._damaged(tasks / name, f"missing (the {MANIFEST} lists it as finished)")
        tables, failures = [], []
        for name in sorted(present):
            table = self._read_task(tasks / name)
            raw = (table.schema.metadata or {}).get(TASK_METADATA_KEY)
            try:
                record = json.loads(raw) if raw else {}
            except ValueError:
                raise self._damaged(tasks / name, "damaged (its footer is not readable)") from None
            if record.get("design_id") != design_id:
                continue  # not written for this design: never mix it in
            failures.extend(record.get("failures", []))
            if table.num_rows:
                tables.append(table.replace_schema_metadata(None))
        merged = pa.concat_tables(tables, promote_options="default") if tables else None
        return merged, failures

    @cached_property
    def _design_table(self) -> pd.DataFrame:
        path = self.directory / DESIGN
        read, problem = read_checked_table(path, self.manifest["design"].get("sha256"))
        if problem is not None:
            raise self._damaged(path, problem, "write it again")
        return read.to_pandas()

    @cached_property
    def design(self) -> pd.DataFrame:
        """One row per run: row, point, replicate, seed, factor columns and ``status``.

        ``status`` is ``"ok"`` (metrics on disk), ``"failed"`` (the run raised) or ``"pending"``.
        """
        table = self._design_table
        status = pd.Series("pending", index=table.index, dtype="str")
        ok_rows = self.metrics["row"].unique() if len(self.metrics) else []
        status[table["row"].isin(ok_rows)] = "ok"
        status[table["row"].isin([f["row"] for f in self._task_tables[1]])] = "failed"
        return table.assign(status=status)

    @cached_property
    def metrics(self) -> pd.DataFrame:
        """The kept metrics of every finished run, tidy: one row per run and kept quarter.

        Columns: ``run_id``, ``row``, ``point``, ``replicate``, ``seed``, the factor columns (as
        in the design), ``quarter``, ``year`` and the metrics, sorted by row and quarter. Each task
        file holds the same columns (older task files hold no ``run_id`` and no
        factors; their factors are joined from the design here).
        """
        table, _ = self._task_tables
        if table is None:
            frame = pd.DataFrame(
                {name: pd.Series(dtype="int64") for name in (*RUN_KEYS, "quarter")}
            )
        else:
            frame = table.to_pandas()
            for column in frame.columns:  # categories in one order, however the files were cut
                values = frame[column]
                if isinstance(values.dtype, pd.CategoricalDtype):
                    frame[column] = values.cat.reorder_categories(sorted(values.cat.categories))
        missing = [f for f in self.factors if f not in frame.columns]
        if missing:
            frame = frame.merge(self.points[["point", *missing]], on="point", how="left")
        ids = [c for c in ("run_id", *RUN_KEYS) if c in frame.columns]
        rest = [c for c in frame.columns if c not in {*ids, *self.factors}]
        frame = frame[[*ids, *self.factors, *rest]]
        return frame.sort_values(["row", "quarter"], kind="stable").reset_index(drop=True)

    @property
    def metric_names(self) -> list[str]:
        """The metric columns kept by the sweep."""
        skip = {*_NOT_METRICS, *self.factors}
        return [c for c in self.metrics.columns if c not in skip]

    @cached_property
    def points(self) -> pd.DataFrame:
        """One row per design point: ``point`` and the factor columns."""
        design = self._design_table
        return design.drop_duplicates("point")[["point", *self.factors]].reset_index(drop=True)

    @cached_property
    def failures(self) -> pd.DataFrame:
        """One row per failed run: row, point, replicate, seed, factors, error and traceback."""
        failures = pd.DataFrame(self._task_tables[1], columns=[*RUN_KEYS, "error", "traceback"])
        return failures.merge(self.points, on="point", how="left")[
            [*RUN_KEYS, *self.factors, "error", "traceback"]
        ]

    @property
    def finals(self) -> pd.DataFrame:
        """Final values: one row per finished run, its factors and its metrics at the last quarter."""
        return self.at()

    def at(self, year: float | None = None, *, after: float | None = None) -> pd.DataFrame:
        """One row per finished run: its factors and its metrics at a time (default: the horizon).

        Args:
            year: A calendar year, e.g. 2036 (2036.25 is its second quarter).
            after: Years from the start of the runs instead, e.g. 10.

        Raises:
            ResultsError: If the time is outside the runs or was not kept (``keep.every``).
        """
        quarter = self.quarter_of(year, after=after)
        values = self.metrics[self.metrics["quarter"] == quarter]
        return values[[*RUN_KEYS, *self.factors, *self.metric_names]].reset_index(drop=True)

    @cached_property
    def start_year(self) -> float:
        """The calendar year of quarter 0, the same for every run (from the tables' ``year``).

        Raises:
            ResultsError: If no run has finished, the ``year`` column was not kept, or the runs
                start in different years (e.g. a ``scenario`` factor).
        """
        metrics = self.metrics
        if metrics.empty:
            raise ResultsError(f"{self.directory}: no run has finished yet")
        if "year" not in metrics.columns:
            raise ResultsError(
                f"{self.directory}: the runs kept no calendar year; give the time with --after "
                "(years from the start)"
            )
        starts = sorted({round(float(y), 6) for y in metrics["year"] - metrics["quarter"] / 4})
        if len(starts) > 1:
            shown = ", ".join(f"{s:g}" for s in starts[:4])
            raise ResultsError(
                f"{self.directory}: the runs start in different calendar years ({shown}); give "
                "the time with --after (years from each run's start)"
            )
        return starts[0]

    def quarter_of(self, year: float | None = None, *, after: float | None = None) -> int:
        """The quarter (from the start) of a calendar year or of years from the start.

        Args:
            year: A calendar year; ``None`` for the horizon (unless ``after`` is given).
            after: Years from the start instead.

        Raises:
            ResultsError: If both are given, the time is outside the runs or not a quarter, or
                its quarter was not kept.
        """
        horizon = 4 * self.years
        if year is not None and after is not None:
            raise ResultsError(
                "--year and --after: give one of them (a calendar year, or years in)"
            )
        for value, flag in ((year, "--year"), (after, "--after")):
            if value is not None and not (isinstance(value, int | float) and math.isfinite(value)):
                raise ResultsError(f"{flag} {value!r}: expected a finite number")
        if year is None and after is None:
            return horizon
        # Out of the horizon is refused before rounding: round(4 * 1e308) overflows.
        if after is not None:
            quarter = round(4 * float(after)) if 0 <= float(after) <= self.years else -1
            if abs(quarter - 4 * float(after)) > 1e-9 or not 0 <= quarter <= horizon:
                raise ResultsError(
                    f"{self.directory}: --after {after:g}: expected years from the start in "
                    f"quarters (multiples of 0.25) from 0 to {self.years}"
                )
        else:
            start = self.start_year
            inside = 0 <= float(year) - start <= self.years
            quarter = round(4 * (float(year) - start)) if inside else -1
            if abs(quarter - 4 * (float(year) - start)) > 1e-6 or not 0 <= quarter <= horizon:
                raise ResultsError(
                    f"{self.directory}: --year {year:g}: the runs cover the calendar years "
                    f"{start:g} to {start + self.years:g}, in quarters (e.g. {start + self.years:g})"
                )
        kept = self.manifest["spec"]["keep"]["every"]
        if (kept == "year" and quarter % 4) or (kept == "final" and quarter != horizon):
            allowed = "whole years from the start" if kept == "year" else "only the horizon"
            shown = when_text(year, after)
            raise ResultsError(
                f"{self.directory}: {shown}: not kept by this sweep (keep.every = {kept!r}: {allowed})"
            )
        return quarter

    # --------------------------------------------------------------------------------- summaries
    def summary(
        self,
        metrics: Sequence[str] | None = None,
        *,
        year: float | None = None,
        after: float | None = None,
        confidence: float = 0.95,
    ) -> pd.DataFrame:
        """Per design point and metric at a time: runs, mean, sd and confidence interval over seeds.

        Args:
            metrics: Metric names; default: every kept metric.
            year: A calendar year; default: the horizon.
            after: Years from the start instead of ``year``.
            confidence: Coverage of the interval of the mean (Student t).

        Raises:
            ResultsError: On an unknown metric or a time that was not kept.
        """
        chosen = self._check_metrics(metrics)
        return point_summary(self.at(year, after=after), self.factors, chosen, confidence)

    def crossing(
        self,
        metric: str,
        threshold: float,
        *,
        year: float | None = None,
        after: float | None = None,
        below: bool = False,
        confidence: float = 0.95,
    ) -> pd.DataFrame:
        """Per design point: how likely ``metric`` is past ``threshold`` at a time, and when it got there.

        See :func:`computemarket.results.summary.threshold_crossing` for the columns (times to
        cross are in years from the start).

        Raises:
            ResultsError: On an unknown metric or a time that was not kept.
        """
        (metric,) = self._check_metrics([metric])
        quarter = self.quarter_of(year, after=after)
        return threshold_crossing(
            self.metrics,
            self.points,
            metric,
            threshold,
            quarter=quarter,
            below=below,
            confidence=confidence,
        )

    def sensitivity(
        self,
        metric: str,
        *,
        year: float | None = None,
        after: float | None = None,
        confidence: float = 0.95,
        versus: tuple[str, object] | None = None,
    ) -> pd.DataFrame:
        """Sobol' indices or Morris effects of ``metric`` at a time, one row per factor.

        Only a sweep made with the ``saltelli`` or ``morris`` design, once every point has a
        finished run (see :func:`computemarket.results.sensitivity.sensitivity_indices`).

        Args:
            metric: The metric.
            year: A calendar year; default: the horizon.
            after: Years from the start instead of ``year``.
            confidence: Coverage of the bootstrap intervals.
            versus: ``(factor, value)``: analyse the paired effect against that value of a
                crossed list factor (e.g. ``("scenario", "amazon-openai-50b-independent")``)
                instead of the metric itself.

        Raises:
            ResultsError: If the design is not a sensitivity design, points are missing, or the
                metric does not vary.
        """
        (metric,) = self._check_metrics([metric])
        values, points = self.at(year, after=after), self.points
        if versus is not None:
            from computemarket.results.compare import paired_differences

            factor, reference = versus
            problem = self.manifest["design"].get("problem") or {}
            if factor in problem.get("names", []):
                raise ResultsError(
                    f"--versus {factor}: a sampled range of this design; compare against a value "
                    "of a listed factor (scenario or rules)"
                )
            values = paired_differences(self, factor, reference, [metric], year=year, after=after)
            points = points[points[factor] != reference]
        return sensitivity_indices(
            self.manifest["design"],
            values,
            points,
            metric,
            label=str(self.directory),
            confidence=confidence,
        )

    def _check_metrics(self, metrics: Sequence[str] | None) -> list[str]:
        names = self.metric_names
        if metrics is None:
            return names
        for metric in metrics:
            if metric not in names:
                raise ResultsError(
                    f"{self.directory}: metric {metric!r} is not in this sweep (kept: {', '.join(names) or 'none yet'})"
                )
        return list(metrics)

    def check_factors(self, factors: Sequence[str]) -> None:
        """Check that every name is a factor of the sweep.

        Raises:
            ResultsError: Naming the first unknown one and the sweep's factors.
        """
        for factor in factors:
            if factor not in self.factors:
                raise ResultsError(
                    f"{self.directory}: --factor {factor!r}: not a factor of this sweep "
                    f"(factors: {', '.join(self.factors) or 'none'})"
                )


_REQUIRED = (("experiment",), ("design", "id"), ("design", "factors"), ("spec", "years"))


def load(directory: str | Path) -> SweepResults:
    """Open a sweep folder written by ``computemarket sweep`` (finished, interrupted or still running).

    Args:
        directory: The sweep's ``--out`` folder.

    Returns:
        The sweep's tables, read (and checked) when first used.

    Raises:
        ResultsError: If the folder holds no sweep.
        DamagedFileError: If its manifest is damaged.
    """
    path = Path(directory)
    if not path.is_dir():
        what = "is not a folder" if path.exists() else "no such folder"
        raise ResultsError(f"{path}: {what} (expected the --out folder of a sweep)")
    try:
        manifest = read_manifest(path)
    except DamagedFileError as err:
        raise DamagedFileError(
            f"{err}; `computemarket sweep EXPERIMENT --out {path} --resume` rebuilds it from the task files"
        ) from None
    except StoreError as err:
        raise ResultsError(str(err)) from None
    if manifest is None or not (path / DESIGN).exists():
        raise ResultsError(f"{path}: not a sweep folder (no manifest.json and design.parquet)")
    for keys in _REQUIRED:
        value: Any = manifest
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            raise DamagedFileError(
                f"{path / MANIFEST}: {'.'.join(keys)}: missing; not a sweep manifest this version reads"
            )
    manifest["spec"].setdefault("keep", {}).setdefault("every", "quarter")
    return SweepResults(path, manifest)
