"""Read a sweep folder back: the design, the kept metrics of every run, final values, failures.

>>> from computemarket.results import load
>>> sweep = load("results/commitment-vs-switching")
>>> sweep.summary(["cloud_hhi"], year=10)            # mean, sd, 95% CI per point
>>> sweep.crossing("cloud_hhi", 1800, year=10)        # P(HHI > 1,800 at year 10), time to cross

Years are counted from the start of the run (quarter 0 is year 0, quarter 40 is year 10).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from computemarket.results.errors import ResultsError
from computemarket.results.sensitivity import sensitivity_indices
from computemarket.results.summary import point_summary, threshold_crossing
from computemarket.store.layout import DESIGN, TASKS_DIR
from computemarket.store.sweeps import TASK_METADATA_KEY, read_manifest

RUN_KEYS = ("row", "point", "replicate", "seed")
_NOT_METRICS = {*RUN_KEYS, "quarter", "year"}


class SweepResults:
    """A sweep on disk, read lazily.

    Attributes:
        directory: The sweep folder.
        manifest: The parsed ``manifest.json`` (spec, versions, task status).
        name: Experiment name.
        factors: Factor columns, in the experiment's order.
        years: Horizon of every run.
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

    # ------------------------------------------------------------------------------------ tables
    @cached_property
    def _task_tables(self) -> tuple[pa.Table | None, list[dict[str, Any]]]:
        design_id = self.manifest["design"]["id"]
        tables, failures = [], []
        for path in sorted((self.directory / TASKS_DIR).glob("task-*.parquet")):
            table = pq.read_table(path)
            raw = (table.schema.metadata or {}).get(TASK_METADATA_KEY)
            record = json.loads(raw) if raw else {}
            if record.get("design_id") != design_id:
                continue  # not written for this design: never mix it in
            failures.extend(record.get("failures", []))
            if table.num_rows:
                tables.append(table.replace_schema_metadata(None))
        merged = pa.concat_tables(tables, promote_options="default") if tables else None
        return merged, failures

    @cached_property
    def design(self) -> pd.DataFrame:
        """One row per run: row, point, replicate, seed, factor columns and ``status``.

        ``status`` is ``"ok"`` (metrics on disk), ``"failed"`` (the run raised) or ``"pending"``.
        """
        table = pd.read_parquet(self.directory / DESIGN)
        status = pd.Series("pending", index=table.index, dtype="str")
        ok_rows = self.metrics["row"].unique() if len(self.metrics) else []
        status[table["row"].isin(ok_rows)] = "ok"
        status[table["row"].isin([f["row"] for f in self._task_tables[1]])] = "failed"
        return table.assign(status=status)

    @cached_property
    def metrics(self) -> pd.DataFrame:
        """The kept metrics of every finished run, tidy: row, point, replicate, seed, quarter, metrics."""
        table, _ = self._task_tables
        if table is None:
            return pd.DataFrame({name: pd.Series(dtype="int64") for name in (*RUN_KEYS, "quarter")})
        frame = table.to_pandas()
        return frame.sort_values(["row", "quarter"], kind="stable").reset_index(drop=True)

    @property
    def metric_names(self) -> list[str]:
        """The metric columns kept by the sweep."""
        return [c for c in self.metrics.columns if c not in _NOT_METRICS]

    @cached_property
    def points(self) -> pd.DataFrame:
        """One row per design point: ``point`` and the factor columns."""
        return self.design.drop_duplicates("point")[["point", *self.factors]].reset_index(drop=True)

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

    def at(self, year: float | None = None) -> pd.DataFrame:
        """One row per finished run: its factors and its metrics at ``year`` (default: the horizon).

        Raises:
            ResultsError: If that year was not kept (see the experiment's ``keep.every``).
        """
        quarter = self.quarter_of(year)
        values = self.metrics[self.metrics["quarter"] == quarter]
        return values.merge(self.points, on="point", how="left")[
            [*RUN_KEYS, *self.factors, *self.metric_names]
        ].reset_index(drop=True)

    def quarter_of(self, year: float | None) -> int:
        """The quarter of a year from the start (``None`` = the horizon), checked against what was kept.

        Raises:
            ResultsError: If the year is outside the horizon or its quarter was not kept.
        """
        horizon = 4 * self.years
        if year is None:
            return horizon
        quarter = round(4 * float(year))
        if abs(quarter - 4 * float(year)) > 1e-9 or not 0 <= quarter <= horizon:
            raise ResultsError(
                f"{self.directory}: year {year}: expected a quarter (multiple of 0.25) from 0 to {self.years}"
            )
        kept = self.manifest["spec"]["keep"]["every"]
        if (kept == "year" and quarter % 4) or (kept == "final" and quarter != horizon):
            allowed = "whole years" if kept == "year" else f"only the final year {self.years}"
            raise ResultsError(
                f"{self.directory}: year {year}: not kept by this sweep (keep.every = {kept!r}: {allowed})"
            )
        return quarter

    # --------------------------------------------------------------------------------- summaries
    def summary(
        self,
        metrics: Sequence[str] | None = None,
        *,
        year: float | None = None,
        confidence: float = 0.95,
    ) -> pd.DataFrame:
        """Per design point and metric at ``year``: runs, mean, sd and confidence interval over seeds.

        Args:
            metrics: Metric names; default: every kept metric.
            year: Years from the start; default: the horizon.
            confidence: Coverage of the interval of the mean (Student t).

        Raises:
            ResultsError: On an unknown metric or a year that was not kept.
        """
        chosen = self._check_metrics(metrics)
        return point_summary(self.at(year), self.factors, chosen, confidence)

    def crossing(
        self,
        metric: str,
        threshold: float,
        *,
        year: float | None = None,
        below: bool = False,
        confidence: float = 0.95,
    ) -> pd.DataFrame:
        """Per design point: how likely ``metric`` is past ``threshold`` at ``year``, and when it got there.

        See :func:`computemarket.results.summary.threshold_crossing` for the columns.

        Raises:
            ResultsError: On an unknown metric or a year that was not kept.
        """
        (metric,) = self._check_metrics([metric])
        quarter = self.quarter_of(year)
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
        self, metric: str, *, year: float | None = None, confidence: float = 0.95
    ) -> pd.DataFrame:
        """Sobol' indices or Morris effects of ``metric`` at ``year``, one row per factor.

        Only a sweep made with the ``saltelli`` or ``morris`` design, once every point has a
        finished run (see :func:`computemarket.results.sensitivity.sensitivity_indices`).

        Raises:
            ResultsError: If the design is not a sensitivity design, points are missing, or the
                metric does not vary.
        """
        (metric,) = self._check_metrics([metric])
        return sensitivity_indices(
            self.manifest["design"],
            self.at(year),
            self.points,
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


def load(directory: str | Path) -> SweepResults:
    """Open a sweep folder written by ``computemarket sweep`` (finished, interrupted or still running).

    Args:
        directory: The sweep's ``--out`` folder.

    Returns:
        The sweep's tables, read when first used.

    Raises:
        ResultsError: If the folder holds no sweep.
    """
    path = Path(directory)
    if not path.is_dir():
        raise ResultsError(f"{path}: no such folder (expected the --out folder of a sweep)")
    manifest = read_manifest(path)
    if manifest is None or not (path / DESIGN).exists():
        raise ResultsError(f"{path}: not a sweep folder (no manifest.json and design.parquet)")
    return SweepResults(path, manifest)
