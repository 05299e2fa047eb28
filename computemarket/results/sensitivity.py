"""Global sensitivity analysis of a sweep with SALib: Sobol' indices or Morris elementary effects.

Only sweeps made with the ``saltelli`` or ``morris`` designs can be analysed, and only once every
point has at least one finished run: SALib's estimators read the points in design order. With several
seeds per point the analysed output is the mean over seeds, which removes most of the model's noise
from the indices (the noise would otherwise show up as unexplained variance).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from computemarket.results.errors import ResultsError


def sensitivity_indices(
    design: dict[str, Any],
    values: pd.DataFrame,
    points: pd.DataFrame,
    metric: str,
    *,
    label: str,
    confidence: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Sensitivity indices of one metric at one year, one row per factor.

    Args:
        design: The ``design`` record of the sweep's manifest (sampler, problem, points, ...).
        values: One row per finished run at the year: ``point`` and the metric.
        points: One row per design point: ``point`` and the factor columns.
        metric: The metric to analyse.
        label: How messages name the sweep (its folder).
        confidence: Coverage of the bootstrap confidence intervals.
        seed: Seed of SALib's bootstrap resampling (results are reproducible).

    Returns:
        ``saltelli``: ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (first and total order, with the
        half-widths of their intervals). ``morris``: ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma``.

    Raises:
        ResultsError: If the sweep's design is not a sensitivity design, points are missing, or the
            metric does not vary.
    """
    sampler, problem = design["sampler"], design.get("problem")
    if sampler not in ("saltelli", "morris") or not problem:
        raise ResultsError(
            f"{label}: design.sampler is {sampler!r}; sensitivity needs a sweep made with the "
            "saltelli (Sobol' indices) or morris design"
        )
    per_point = values.groupby("point")[metric].mean()
    missing = design["points"] - per_point.notna().sum()
    if missing:
        raise ResultsError(
            f"{label}: {missing} of {design['points']} design points have no finished run; "
            "finish the sweep (computemarket sweep ... --resume) before the analysis"
        )
    y = per_point.sort_index().to_numpy(dtype=float)
    if not np.all(np.isfinite(y)):
        raise ResultsError(f"{label}: metric {metric!r} has non-finite values at some points")
    if np.ptp(y) == 0:
        raise ResultsError(
            f"{label}: metric {metric!r} is constant over the design; indices are undefined"
        )
    names = list(problem["names"])
    if sampler == "saltelli":
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

        x = points.sort_values("point")[names].to_numpy(dtype=float)
        indices = morris.analyze(
            problem, x, y, conf_level=confidence, num_levels=int(design["levels"]), seed=seed
        )
        columns = ["mu", "mu_star", "mu_star_conf", "sigma"]
    frame = pd.DataFrame(
        {c: np.asarray(indices[c], dtype=float) for c in columns},
        index=pd.Index(names, name="factor"),
    )
    return frame.reset_index()
