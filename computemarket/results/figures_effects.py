"""The decomposition figure of a sweep over arms: the paired effect of each term, with intervals.

A decomposition sweep (``deal-decomposition``) has one ``scenario`` factor whose arms add one
term each, in the experiment's order: no deal; the same money from an independent investor; +
stake; + commitment; ... The effect of a term is the paired difference between an arm and the
arm before it, seed by seed; the figure draws it for several horizons, one panel per metric.
With a reference (``--versus scenario=NAME``) every arm is compared with that one instead, so the
bars are cumulative effects (e.g. of all the strings, holding the money fixed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from computemarket.results.compare import paired_differences
from computemarket.results.load import SweepResults
from computemarket.results.source import FigureError
from computemarket.results.style import (
    CATEGORY_COLOURS,
    FONT_SIZE,
    INK,
    effect_unit,
    finish_axes,
    metric_style,
    new_figure,
    panel_title,
)
from computemarket.results.summary import mean_interval

DECOMPOSITION_AFTER = (1, 2, 5, 10)
"""Horizons drawn by default (years from the start), those within the sweep's runs."""

DECOMPOSITION_METRICS = (
    "cloud_hhi",
    "cloud_share[AWS]",
    "cloud_market_share[AWS]",
    "model_hhi",
    "model_share[OpenAI]",
    "locked_share[OpenAI]",
    "roundtrip_ratio",
    "active_labs",
    "exited[OpenAI]",
)
"""Metrics drawn by default, those of them that the sweep kept (else its first six)."""

ARM_FACTORS = ("scenario", "rules")


def arm_factor(sweep: SweepResults) -> str:
    """The sweep's one factor of arms (``scenario`` or ``rules``).

    Raises:
        FigureError: If the sweep does not vary exactly one such factor.
    """
    if len(sweep.factors) != 1 or sweep.factors[0] not in ARM_FACTORS:
        shown = ", ".join(sweep.factors) or "none"
        raise FigureError(
            f"{sweep.directory}: a decomposition needs a sweep of arms, one scenario or rules "
            f"factor and nothing else (factors: {shown})"
        )
    return sweep.factors[0]


def default_afters(sweep: SweepResults) -> list[float]:
    """The default horizons: 1, 2, 5 and 10 years, those the sweep ran and kept (or its horizon)."""
    every = sweep.manifest["spec"]["keep"]["every"]
    if every == "final":
        return [float(sweep.years)]
    chosen = [float(a) for a in DECOMPOSITION_AFTER if a <= sweep.years]
    return chosen or [float(sweep.years)]


def term_effects(
    sweep: SweepResults,
    metrics: Sequence[str],
    afters: Sequence[float],
    *,
    reference: object | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The paired effect of each arm against the arm before it (or against ``reference``).

    Args:
        sweep: A loaded sweep of arms (see :func:`arm_factor`).
        metrics: The metrics.
        afters: Years from the start.
        reference: Compare every arm with this one instead of with the arm before it.
        confidence: Coverage of the intervals.

    Returns:
        One row per horizon, arm and metric: ``after``, ``arm``, ``against``, ``metric``, ``n``
        (pairs), ``effect``, ``low``, ``high``.
    """
    factor = arm_factor(sweep)
    arms = list(dict.fromkeys(sweep.points[factor]))
    if reference is not None and reference not in arms:
        raise FigureError(
            f"--versus {factor}={reference}: no such value (values: {', '.join(map(str, arms))})"
        )
    contrasts = (
        [(arm, reference) for arm in arms if arm != reference]
        if reference is not None
        else list(zip(arms[1:], arms[:-1], strict=True))
    )
    rows = []
    for after in afters:
        by_base: dict[object, pd.DataFrame] = {}
        for arm, base in contrasts:
            if base not in by_base:
                by_base[base] = paired_differences(sweep, factor, base, metrics, after=after)
            pairs = by_base[base][by_base[base][factor] == arm]
            for metric in metrics:
                effect, _, low, high = mean_interval(pairs[metric].to_numpy(), confidence)
                rows.append(
                    {
                        "after": after,
                        "arm": arm,
                        "against": base,
                        "metric": metric,
                        "n": len(pairs),
                        "effect": effect,
                        "low": low,
                        "high": high,
                    }
                )
    return pd.DataFrame(rows)


def arm_labels(arms: Sequence[str]) -> tuple[list[str], str]:
    """Short tick labels: the hyphenated prefix most arms share is cut to ``...-``.

    Returns:
        The labels, and the prefix cut (``""`` if none), which the figure spells out once.
    """
    names = [str(arm) for arm in arms]
    candidates = {
        "-".join(name.split("-")[:k]) for name in names for k in range(1, name.count("-") + 1)
    }

    def sharing(prefix: str) -> int:
        return sum(name == prefix or name.startswith(prefix + "-") for name in names)

    shared = [p for p in candidates if 2 * sharing(p) > len(names) and len(names) > 1]
    prefix = max(shared, key=len, default="")
    if not prefix:
        return names, ""
    cut = [("..." + n[len(prefix) :]) if n.startswith(prefix + "-") else n for n in names]
    return cut, prefix + "-"


def decomposition_figure(
    sweep: SweepResults,
    metrics: Sequence[str] | None = None,
    *,
    afters: Sequence[float] | None = None,
    reference: object | None = None,
    confidence: float = 0.95,
) -> Figure:
    """The effect of each term (or of each arm against a reference), with its 95% interval.

    Args:
        sweep: A loaded sweep of arms.
        metrics: Metrics, one panel each (default: :data:`DECOMPOSITION_METRICS` kept).
        afters: Horizons, one bar each per term (default: :func:`default_afters`).
        reference: Compare every arm with this arm instead of with the arm before it.
        confidence: Coverage of the intervals.

    Returns:
        A grid of panels: for each metric, a group of bars per term, one bar per horizon, with the
        interval of the paired mean difference over seeds.
    """
    arm_factor(sweep)  # a sweep of arms, or a clear error
    if metrics:
        sweep._check_metrics(list(metrics))
        chosen = list(metrics)
    else:
        chosen = [m for m in DECOMPOSITION_METRICS if m in sweep.metric_names]
        chosen = chosen or sweep.metric_names[:6]
    afters = list(afters) if afters else default_afters(sweep)
    effects = term_effects(sweep, chosen, afters, reference=reference, confidence=confidence)
    arms = list(dict.fromkeys(effects["arm"]))
    if not arms:
        raise FigureError(f"{sweep.directory}: the sweep has fewer than two arms with runs")
    labels, prefix = arm_labels(arms)
    columns = min(3, len(chosen))
    rows = math.ceil(len(chosen) / columns)
    what = (
        f"each arm against {reference}"
        if reference is not None
        else "each arm against the arm before it (the term it adds)"
    )
    n = int(effects["n"].max()) if len(effects) else 0
    figure = new_figure(
        (16.0, 3.6 * rows + 1.6),
        title=f"{sweep.name}: {what}, paired over {n} seeds, {confidence:.0%} intervals",
    )
    axes = np.atleast_1d(figure.subplots(rows, columns, squeeze=False)).ravel()
    width = 0.8 / len(afters)
    colours = [CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)] for i in range(len(afters))]
    for ax, metric in zip(axes, chosen, strict=False):
        style = metric_style(metric)
        table = effects[effects["metric"] == metric]
        for i, after in enumerate(afters):
            at = table[table["after"] == after].set_index("arm").reindex(arms)
            x = np.arange(len(arms)) + (i - (len(afters) - 1) / 2) * width
            effect = at["effect"].to_numpy(dtype=float) * style.scale
            error = np.vstack(
                [
                    effect - at["low"].to_numpy(dtype=float) * style.scale,
                    at["high"].to_numpy(dtype=float) * style.scale - effect,
                ]
            )
            ax.bar(
                x,
                effect,
                width=width,
                color=colours[i],
                yerr=np.nan_to_num(error),
                capsize=2,
                error_kw={"ecolor": INK, "linewidth": 0.9},
            )
        ax.axhline(0, color=INK, linewidth=0.8)
        if not np.any(table["effect"].to_numpy(dtype=float)):
            ax.text(
                0.5,
                0.6,
                "no run differs",
                transform=ax.transAxes,
                ha="center",
                fontsize=FONT_SIZE - 1,
                color=INK,
            )
        ax.set_xticks(np.arange(len(arms)), labels, fontsize=FONT_SIZE - 2, rotation=15)
        ax.set_ylabel(effect_unit(metric).replace("$", r"\$"), fontsize=FONT_SIZE - 1)
        panel_title(ax, style.label)
        finish_axes(ax)
    for ax in axes[len(chosen) :]:
        ax.set_visible(False)
    handles = [
        Patch(color=colours[i], label=f"{after:g} year{'s' * (after != 1)} in")
        for i, after in enumerate(afters)
    ]
    if prefix:
        handles.append(Patch(color="none", label=f"... = {prefix}"))
    figure.legend(
        handles=handles,
        loc="outside lower center",
        ncols=len(handles),
        fontsize=FONT_SIZE - 1,
        title="horizon",
        title_fontsize=FONT_SIZE - 1,
    )
    return figure
