"""EMA Workbench adapter: the market model as an EMA ``Model``, with ranges from the schema.

Install the optional extra (``pip install 'computemarket[ema]'``), then::

    from ema_workbench import MultiprocessingEvaluator
    from computemarket import ema

    model = ema.model(
        "calibrated-2025",
        years=10,
        uncertainties=["lab.string_aversion", ("market.quality_weight", 0.4, 1.6)],
        outcomes=["cloud_hhi", "locked_share"],
        seeds=3,
    )
    with MultiprocessingEvaluator(model, n_processes=2) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=64)

Each uncertainty is a dotted scenario parameter; its range is the schema's allowed range unless
given as ``(name, low, high)`` (the schema's ranges are what the model accepts, often wider than
what is plausible: say what you mean). EMA wants names that are Python identifiers, so
``lab.string_aversion`` is the uncertainty ``lab__string_aversion`` (the model receives the dotted
name); an outcome such as ``cloud_share[AWS]`` is ``cloud_share_AWS`` (``cloud_share_AWS_by_quarter``
with ``over="quarterly"``). With ``seeds > 1`` the model is
a ``ReplicatorModel``: every experiment runs on the seeds 1..seeds and EMA keeps each replication,
so an outcome is an array over the seeds, ``cloud_hhi_by_seed`` (experiments x seeds; with
``over="quarterly"``, ``cloud_hhi_by_quarter``, experiments x seeds x quarters).
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Sequence
from typing import Any

from computemarket.simulation.parameters import SECTIONS
from computemarket.simulation.recording import METRIC_COLUMNS, firm_metric_columns
from computemarket.simulation.runner import run
from computemarket.simulation.scenario import ScenarioError, load_scenario

with warnings.catch_warnings():
    # EMA warns on import when the optional ipyparallel is missing; its other evaluators work.
    warnings.filterwarnings("ignore", message="ipyparallel not installed")
    try:
        import ema_workbench as ew
    except ImportError:  # pragma: no cover - exercised only without the extra
        ew = None

OVER = ("final", "quarterly")
"""An outcome is the metric in the final quarter (a scalar), or every quarter (an array)."""


def identifier(name: str) -> str:
    """EMA's name for a dotted parameter or a metric column: a valid Python identifier."""
    return re.sub(r"\W", "_", name.replace(".", "__")).strip("_")


def run_experiment(
    market_scenario: str,
    years: int,
    rules: str | None,
    outcomes: Sequence[str],
    over: str,
    rng: int | None = None,
    **parameters: Any,
) -> dict[str, Any]:
    """One run for EMA: the metrics named in ``outcomes`` (module-level, so that it pickles).

    Args:
        market_scenario: Shipped scenario name or path.
        years: Horizon in years.
        rules: Rules preset laid over the scenario, or ``None``.
        outcomes: Metric columns to return.
        over: ``"final"`` (the value in the final quarter) or ``"quarterly"`` (every quarter).
        rng: The run's seed.
        **parameters: Dotted scenario parameters (EMA's uncertainties and levers).

    Returns:
        ``{metric: value or array}``.
    """
    result = run(
        market_scenario,
        rules=rules,
        overrides=parameters,
        years=years,
        seed=rng,
        tables=("metrics",),
    )
    metrics = result.metrics
    if over == "final":
        return {name: float(metrics[name].iloc[-1]) for name in outcomes}
    return {name: metrics[name].to_numpy() for name in outcomes}


def _schema_field(name: str) -> dataclasses.Field:
    section, _, key = name.partition(".")
    fields = (
        {f.name: f for f in dataclasses.fields(SECTIONS[section])} if section in SECTIONS else {}
    )
    if key not in fields:
        allowed = ", ".join(f"{s}.NAME" for s in SECTIONS)
        raise ScenarioError(
            f"uncertainties: {name!r}: unknown parameter (expected one of {allowed})"
        )
    return fields[key]


def parameter(spec: str | tuple[str, float, float]) -> Any:
    """The EMA parameter for a dotted scenario parameter, with its range from the schema.

    Args:
        spec: ``"section.name"``, or ``("section.name", low, high)`` to narrow the range.

    Returns:
        A ``RealParameter``, ``IntegerParameter``, ``BooleanParameter`` or
        ``CategoricalParameter`` whose ``variable_name`` is the dotted name.

    Raises:
        ScenarioError: For an unknown parameter or a range outside the schema's.
    """
    name, low, high = (spec, None, None) if isinstance(spec, str) else spec
    f = _schema_field(name)
    meta, kind = f.metadata, type(f.default)
    label = identifier(name)
    if kind is bool:
        return ew.BooleanParameter(label, variable_name=name)
    if kind is str:
        if not meta.get("choices"):
            raise ScenarioError(f"uncertainties: {name!r}: a free-text parameter cannot vary")
        return ew.CategoricalParameter(label, list(meta["choices"]), variable_name=name)
    low = meta["low"] if low is None else low
    high = meta["high"] if high is None else high
    if not (meta["low"] <= low < high <= meta["high"]):
        raise ScenarioError(
            f"uncertainties: {name!r}: range [{low}, {high}] must be increasing and within "
            f"[{meta['low']:g}, {meta['high']:g}] ({meta['unit']})"
        )
    if kind is int:
        return ew.IntegerParameter(label, int(low), int(high), variable_name=name)
    return ew.RealParameter(label, float(low), float(high), variable_name=name)


def model(
    scenario: str = "calibrated-2025",
    *,
    years: int | None = None,
    uncertainties: Sequence[str | tuple[str, float, float]] = (),
    outcomes: Sequence[str] = ("cloud_hhi",),
    over: str = "final",
    seeds: int = 1,
    rules: str | None = None,
    name: str = "computemarket",
) -> Any:
    """The market model as an EMA Workbench model.

    Args:
        scenario: Shipped scenario name or path to a scenario file.
        years: Horizon in years (the scenario's ``market.years`` by default).
        uncertainties: Dotted parameters to vary, or ``(name, low, high)`` with a narrower range.
        outcomes: Metric columns (see docs/model.md §8).
        over: ``"final"`` for the final quarter (a ``ScalarOutcome``, or with ``seeds > 1`` an
            ``ArrayOutcome`` ``<metric>_by_seed`` over the seeds), ``"quarterly"`` for an
            ``ArrayOutcome`` ``<metric>_by_quarter`` with every quarter.
        seeds: Replications per experiment (seeds 1..seeds); 1 gives a plain ``Model`` on seed 1.
        rules: Rules preset laid over the scenario.
        name: EMA's name for the model (an identifier).

    Returns:
        An ``ema_workbench.Model`` or ``ReplicatorModel``.

    Raises:
        ImportError: If EMA Workbench is not installed.
        ScenarioError: For an unknown scenario, parameter or metric, or a bad range.
        ValueError: For a bad ``over`` or ``seeds``.
    """
    if ew is None:  # pragma: no cover - exercised only without the extra
        raise ImportError("EMA Workbench is not installed: pip install 'computemarket[ema]'")
    if over not in OVER:
        raise ValueError(f"over: expected one of {', '.join(OVER)}, got {over!r}")
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise ValueError(f"seeds: expected a positive integer, got {seeds!r}")
    resolved = load_scenario(scenario, rules=rules)
    known = (*METRIC_COLUMNS, *firm_metric_columns(resolved))
    for metric in outcomes:
        if metric not in known:
            raise ScenarioError(f"outcomes: unknown metric {metric!r} (known: {', '.join(known)})")
    horizon = resolved.market.years if years is None else years
    cls = ew.ReplicatorModel if seeds > 1 else ew.Model
    ema_model = cls(name, function=run_experiment)
    ema_model.uncertainties = [parameter(spec) for spec in uncertainties]
    ema_model.constants = [
        ew.Constant("market_scenario", str(scenario)),
        ew.Constant("years", horizon),
        ew.Constant("rules", rules),
        ew.Constant("outcomes", tuple(outcomes)),
        ew.Constant("over", over),
    ]
    # EMA registers outcome names process-wide, one class per name: the quarterly series of a
    # metric gets its own name.
    if over == "final" and seeds == 1:
        ema_model.outcomes = [ew.ScalarOutcome(identifier(m), variable_name=m) for m in outcomes]
    elif over == "final":  # one final value per replication: an array over the seeds
        ema_model.outcomes = [
            ew.ArrayOutcome(f"{identifier(m)}_by_seed", variable_name=m) for m in outcomes
        ]
    else:
        ema_model.outcomes = [
            ew.ArrayOutcome(f"{identifier(m)}_by_quarter", variable_name=m) for m in outcomes
        ]
    if seeds > 1:
        ema_model.replications = [{"rng": seed} for seed in range(1, seeds + 1)]
    else:
        ema_model.constants = [*ema_model.constants, ew.Constant("rng", 1)]
    return ema_model
