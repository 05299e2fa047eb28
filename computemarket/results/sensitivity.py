"""Global sensitivity analysis of a sweep with SALib: Sobol' indices or Morris elementary effects.

Only sweeps made with the ``saltelli`` or ``morris`` designs can be analysed, and only once every
point has at least one finished run: SALib's estimators read the points in design order. With several
seeds per point the analysed output is the mean over seeds, which removes most of the model's noise
from the indices (the noise would otherwise show up as unexplained variance).

A design that crosses a ``scenario`` or ``rules`` list with the SALib rows (the same rows for each
value) is analysed block by block: one set of indices per value. The analysed output may also be
a paired *effect*: at each SALib row, the mean over seeds of the difference between a value's run
and the reference value's run with the same seed (``computemarket sensitivity --versus``), so the
indices say which parameters the effect of a change depends on.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from computemarket.results.errors import ResultsError

BOOTSTRAP_SEED = 20260303
"""Seed of SALib's bootstrap intervals. Not 0: SALib reads a seed of 0 as none (``if seed:``) and
then draws from numpy's global generator, so the intervals changed from one call to the next."""


def design_blocks(design: dict[str, Any], points: pd.DataFrame) -> list[tuple[dict, np.ndarray]]:
    """The blocks of SALib rows of a sensitivity design, one per value of a crossed list factor.

    Args:
        design: The ``design`` record of the sweep's manifest.
        points: One row per design point: ``point`` and the factor columns.

    Returns:
        ``(values of the list factors, design points in SALib's row order)`` per block; one block
        with no values when nothing is crossed.
    """
    names = set((design.get("problem") or {}).get("names", []))
    listed = [f for f in design["factors"] if f not in names]
    ordered = points.sort_values("point")
    if not listed:
        return [({}, ordered["point"].to_numpy())]
    return [
        (
            dict(zip(listed, key if isinstance(key, tuple) else (key,), strict=True)),
            group["point"].to_numpy(),
        )
        for key, group in ordered.groupby(listed, sort=False)
    ]


def sensitivity_indices(
    design: dict[str, Any],
    values: pd.DataFrame,
    points: pd.DataFrame,
    metric: str,
    *,
    label: str,
    confidence: float = 0.95,
    seed: int = BOOTSTRAP_SEED,
) -> pd.DataFrame:
    """Sensitivity indices of one metric at one year, one row per factor (and block).

    Args:
        design: The ``design`` record of the sweep's manifest (sampler, problem, points, ...).
        values: One row per finished run at the year (or per paired difference): ``point`` and
            the metric.
        points: One row per design point to analyse: ``point`` and the factor columns (for an
            effect, the treated points only).
        metric: The metric to analyse.
        label: How messages name the sweep (its folder).
        confidence: Coverage of the bootstrap confidence intervals.
        seed: Seed of SALib's bootstrap resampling (results are reproducible); SALib takes 0 for
            "no seed", so it must not be 0.

    Returns:
        ``saltelli``: ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (first and total order, with the
        half-widths of their intervals). ``morris``: ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma``.
        A crossed design has one block of rows per value, named in the first columns.

    Raises:
        ResultsError: If the sweep's design is not a sensitivity design, points are missing, or the
            metric does not vary.
    """
    if not seed:
        raise ValueError("seed: SALib reads 0 as no seed; give a non-zero seed")
    sampler, problem = design["sampler"], design.get("problem")
    if sampler not in ("saltelli", "morris") or not problem:
        raise ResultsError(
            f"{label}: design.sampler is {sampler!r}; sensitivity needs a sweep made with the "
            "saltelli (Sobol' indices) or morris design"
        )
    per_point = values.groupby("point")[metric].mean()
    blocks = design_blocks(design, points)
    missing = sum(int(per_point.reindex(ids).isna().sum()) for _, ids in blocks)
    if missing:
        total = sum(len(ids) for _, ids in blocks)
        raise ResultsError(
            f"{label}: {missing} of {total} design points have no finished run; "
            "finish the sweep (computemarket sweep ... --resume) before the analysis"
        )
    frames = []
    for fixed, ids in blocks:
        frame = _indices(
            design, problem, per_point.loc[ids], points, metric, label, confidence, seed
        )
        for i, (name, value) in enumerate(fixed.items()):
            frame.insert(i, name, value)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _indices(
    design: dict[str, Any],
    problem: dict[str, Any],
    per_point: pd.Series,
    points: pd.DataFrame,
    metric: str,
    label: str,
    confidence: float,
    seed: int,
) -> pd.DataFrame:
    """SALib's indices of one block of points, given in SALib's row order."""
    y = per_point.to_numpy(dtype=float)
    if not np.all(np.isfinite(y)):
        raise ResultsError(f"{label}: metric {metric!r} has non-finite values at some points")
    if np.ptp(y) == 0:
        raise ResultsError(
            f"{label}: metric {metric!r} is constant over the design; indices are undefined"
        )
    names = list(problem["names"])
    if design["sampler"] == "saltelli":
        from SALib.analyze import sobol

        indices = sobol.analyze(
            problem,
            y,
            calc_second_order=bool(design.get("second_order")),
            conf_level=confidence,
            seed=seed,
        )
        columns = ["S1", "S1_conf", "ST", "ST_conf"]
    else:
        from SALib.analyze import morris

        x = points.set_index("point").loc[per_point.index, names].to_numpy(dtype=float)
        indices = morris.analyze(
            problem, x, y, conf_level=confidence, num_levels=int(design["levels"]), seed=seed
        )
        columns = ["mu", "mu_star", "mu_star_conf", "sigma"]
    frame = pd.DataFrame(
        {c: np.asarray(indices[c], dtype=float) for c in columns},
        index=pd.Index(names, name="factor"),
    )
    return frame.reset_index()
